namespace Media.Audio.Corpora;

/// <summary>
/// A vocal-like line from a source-filter model: a harmonic glottal source (-12 dB per octave, with +6 dB
/// per octave of lip radiation) with vibrato, shaped by three formant resonances (Lorentzian peaks) of the sung vowel; formants
/// glide between syllables. Computed additively per harmonic, so it is band-limited at any rate.
/// </summary>
public static class FormantSinger
{
    /// <summary>A sung note: MIDI pitch, start and length in seconds, vowel.</summary>
    public readonly record struct SungNote(double Midi, double Start, double Duration, char Vowel);

    // Average adult formant frequencies (Hz) of the five cardinal vowels (Peterson and Barney style values).
    static readonly Dictionary<char, (double F1, double F2, double F3)> Formants = new()
    {
        ['a'] = (730, 1090, 2440), ['e'] = (530, 1840, 2480), ['i'] = (300, 2200, 2950),
        ['o'] = (570, 840, 2410), ['u'] = (320, 870, 2240),
    };

    /// <summary>The vowels it can sing.</summary>
    public static IReadOnlyList<char> Vowels { get; } = ['a', 'e', 'i', 'o', 'u'];

    /// <summary>Renders <paramref name="notes"/> into a new buffer of <paramref name="length"/> samples.</summary>
    public static float[] Sing(IReadOnlyList<SungNote> notes, int sampleRate, int length)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var output = new float[length];
        var envelope = new Adsr(0.03, 0.08, 0.85, 0.06);
        (double, double, double) previousFormants = Formants['a'];
        foreach (var note in notes)
        {
            if (!Formants.TryGetValue(note.Vowel, out var target))
                throw new ArgumentException($"Vowel '{note.Vowel}' is not one of a, e, i, o, u.", nameof(notes));
            double f0 = MusicTheory.Frequency(note.Midi);
            int start = (int)(note.Start * sampleRate);
            int count = (int)((note.Duration + envelope.Release) * sampleRate);
            int harmonics = (int)Math.Min(40, sampleRate * 0.45 / (f0 * 1.03));
            double phase = 0;
            var from = previousFormants;
            for (int i = 0; i < count && start + i < length; i++)
            {
                double t = (double)i / sampleRate;
                // Vibrato (5.5 Hz, up to 0.4 semitone) fades in after the attack, as singers do.
                double depth = 0.4 * Math.Clamp((t - 0.15) / 0.2, 0, 1);
                double f = f0 * Math.Pow(2, depth * Math.Sin(2 * Math.PI * 5.5 * t) / 12);
                phase += f / sampleRate;
                double glide = Math.Clamp(t / 0.06, 0, 1);
                double f1 = from.Item1 + (target.F1 - from.Item1) * glide;
                double f2 = from.Item2 + (target.F2 - from.Item2) * glide;
                double f3 = from.Item3 + (target.F3 - from.Item3) * glide;
                double sample = 0;
                for (int k = 1; k <= harmonics; k++)
                {
                    double hf = k * f;
                    double gain = Peak(hf, f1, 90, 1.0) + Peak(hf, f2, 110, 0.55) + Peak(hf, f3, 160, 0.3);
                    sample += gain / (k * k) * k * Math.Sin(2 * Math.PI * k * phase); // 1/k source tilt times +6 dB/oct lip radiation
                }
                output[start + i] += (float)(0.25 * sample * envelope.Level(t, note.Duration));
            }
            previousFormants = target;
        }
        return output;
    }

    static double Peak(double frequency, double centre, double bandwidth, double amplitude)
    {
        double x = (frequency - centre) / (bandwidth / 2);
        return amplitude / (1 + x * x);
    }
}
