namespace Media.Audio.Corpora;

/// <summary>The synthesis method of an instrument.</summary>
public enum SynthKind
{
    /// <summary>Sum of harmonics with a spectral tilt (organ, flute-like).</summary>
    Additive,
    /// <summary>Two-operator frequency modulation with a decaying index (electric piano, bell).</summary>
    FrequencyModulation,
    /// <summary>Band-limited sawtooth through a resonant low-pass with a cut-off envelope (pads, bass).</summary>
    Subtractive,
}

/// <summary>An instrument: synthesis method, its parameters and amplitude envelope.</summary>
/// <param name="Kind">Synthesis method.</param>
/// <param name="Envelope">Amplitude envelope.</param>
/// <param name="Brightness">Additive: spectral tilt exponent; FM: peak index; subtractive: cut-off as a multiple of the pitch.</param>
/// <param name="Ratio">FM modulator to carrier frequency ratio.</param>
public sealed record SynthVoice(SynthKind Kind, Adsr Envelope, double Brightness, double Ratio = 1)
{
    /// <summary>Adds one note into <paramref name="buffer"/> from sample <paramref name="start"/> (clipped to the buffer).</summary>
    public void Render(float[] buffer, int sampleRate, int start, double frequency, double held, double velocity)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        int length = (int)((held + Envelope.Release) * sampleRate);
        double nyquist = sampleRate / 2.0, dt = 1.0 / sampleRate;
        // Subtractive state: TPT state-variable filter (Zavalishin), stable at any cut-off below Nyquist.
        double ic1 = 0, ic2 = 0, phase = 0;
        int harmonics = Math.Max(1, Math.Min(16, (int)(nyquist * 0.9 / frequency)));
        for (int i = 0; i < length && start + i < buffer.Length; i++)
        {
            if (start + i < 0) continue;
            double t = i * dt;
            double envelope = Envelope.Level(t, held);
            double sample;
            switch (Kind)
            {
                case SynthKind.Additive:
                    sample = 0;
                    for (int k = 1; k <= harmonics; k++) sample += Math.Sin(2 * Math.PI * k * frequency * t) / Math.Pow(k, Brightness);
                    sample *= 0.5;
                    break;
                case SynthKind.FrequencyModulation:
                    double index = Brightness * Math.Exp(-3 * t);
                    sample = Math.Sin(2 * Math.PI * frequency * t + index * Math.Sin(2 * Math.PI * Ratio * frequency * t));
                    break;
                default:
                    phase += frequency * dt;
                    phase -= Math.Floor(phase);
                    double saw = 2 * phase - 1 - PolyBlep(phase, frequency * dt);
                    double cutoff = Math.Min(nyquist * 0.45, frequency * Brightness * (0.3 + 0.7 * envelope));
                    double g = Math.Tan(Math.PI * cutoff / sampleRate), k2 = 1.2;
                    double a1 = 1 / (1 + g * (g + k2)), a2 = g * a1, a3 = g * a2;
                    double v3 = saw - ic2, v1 = a1 * ic1 + a2 * v3, v2 = ic2 + a2 * ic1 + a3 * v3;
                    ic1 = 2 * v1 - ic1;
                    ic2 = 2 * v2 - ic2;
                    sample = v2 * 0.7;
                    break;
            }
            buffer[start + i] += (float)(sample * envelope * velocity);
        }
    }

    // Polynomial band-limited step correction (Valimaki) that removes most of a naive sawtooth's aliasing.
    static double PolyBlep(double t, double dt)
    {
        if (t < dt) { t /= dt; return t + t - t * t - 1; }
        if (t > 1 - dt) { t = (t - 1) / dt; return t * t + t + t + 1; }
        return 0;
    }
}
