namespace Media.Audio.Corpora;

/// <summary>Synthesised drums: kick (pitch-swept sine), snare (tone plus filtered noise), closed hi-hat (high-passed noise).</summary>
public static class DrumKit
{
    /// <summary>Adds a kick at <paramref name="start"/>.</summary>
    public static void Kick(float[] buffer, int sampleRate, int start, double velocity)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        double phase = 0;
        int length = (int)(0.4 * sampleRate);
        for (int i = 0; i < length && start + i < buffer.Length; i++)
        {
            double t = (double)i / sampleRate;
            phase += (45 + 110 * Math.Exp(-t / 0.035)) / sampleRate;
            buffer[start + i] += (float)(velocity * Math.Sin(2 * Math.PI * phase) * Math.Exp(-t / 0.18));
        }
    }

    /// <summary>Adds a snare at <paramref name="start"/>; its noise comes from <paramref name="random"/>.</summary>
    public static void Snare(float[] buffer, int sampleRate, int start, double velocity, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(random);
        int length = (int)(0.25 * sampleRate);
        double previous = 0;
        for (int i = 0; i < length && start + i < buffer.Length; i++)
        {
            double t = (double)i / sampleRate;
            double noise = random.Uniform(-1, 1);
            double bright = noise - 0.6 * previous; // first-difference tilt: a brighter, snappier noise
            previous = noise;
            double tone = Math.Sin(2 * Math.PI * 185 * t) * Math.Exp(-t / 0.05);
            buffer[start + i] += (float)(velocity * (0.45 * bright * Math.Exp(-t / 0.09) + 0.5 * tone));
        }
    }

    /// <summary>Adds a closed hi-hat at <paramref name="start"/>.</summary>
    public static void HiHat(float[] buffer, int sampleRate, int start, double velocity, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(random);
        int length = (int)(0.07 * sampleRate);
        double lowState = 0;
        double alpha = 1 - Math.Exp(-2 * Math.PI * Math.Min(6000, sampleRate * 0.3) / sampleRate);
        for (int i = 0; i < length && start + i < buffer.Length; i++)
        {
            double t = (double)i / sampleRate;
            double noise = random.Uniform(-1, 1);
            lowState += alpha * (noise - lowState);
            buffer[start + i] += (float)(velocity * 0.5 * (noise - lowState) * Math.Exp(-t / 0.018));
        }
    }
}
