using Media.Audio.Corpora;

namespace Media.Audio.Tests;

/// <summary>Deterministic test signals built from their definitions.</summary>
internal static class TestSignals
{
    public static float[] Sine(double frequency, int sampleRate, int length, double amplitude = 0.5, double phase = 0)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate + phase));
        return x;
    }

    public static float[] Noise(int length, ulong seed, double amplitude = 0.3)
    {
        var random = new SeededRandom(seed);
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(amplitude * random.Gaussian());
        return x;
    }

    /// <summary>
    /// Speech-like audio without espeak: syllables of a formant-synthesised voice (vowels changing, pitch
    /// 110-220 Hz gliding like intonation) separated by short fricative noise bursts and pauses.
    /// </summary>
    public static float[] SpeechLike(int sampleRate, double seconds, ulong seed)
    {
        if (seconds < 0.5) throw new ArgumentOutOfRangeException(nameof(seconds), "Speech-like test audio needs at least 0.5 s.");
        var random = new SeededRandom(seed);
        int length = (int)(seconds * sampleRate);
        var notes = new List<FormantSinger.SungNote>();
        double t = 0.05;
        while (t < seconds - 0.3)
        {
            double duration = random.Uniform(0.12, 0.25);
            notes.Add(new FormantSinger.SungNote(random.Uniform(45, 57), t, duration, random.Pick(FormantSinger.Vowels)));
            t += duration + random.Uniform(0.04, 0.15);
        }
        var voice = FormantSinger.Sing(notes, sampleRate, length);
        // Fricatives: high-passed noise bursts before some syllables.
        foreach (var note in notes.Where(_ => random.Chance(0.4)))
        {
            int start = Math.Max(0, (int)((note.Start - 0.04) * sampleRate));
            double previous = 0;
            for (int i = 0; i < (int)(0.05 * sampleRate) && start + i < length; i++)
            {
                double n = random.Uniform(-1, 1);
                voice[start + i] += (float)(0.05 * (n - previous));
                previous = n;
            }
        }
        float peak = voice.Max(Math.Abs);
        for (int i = 0; i < voice.Length; i++) voice[i] *= 0.7f / peak;
        return voice;
    }

    public static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += (double)v * v;
        return Math.Sqrt(sum / x.Length);
    }

    public static float[] Add(float[] a, float[] b, double gainB = 1)
    {
        var y = new float[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = (float)(a[i] + gainB * b[i]);
        return y;
    }
}
