namespace Media.Audio.Corpora;

/// <summary>
/// Procedural music, deterministic by seed: a key (major or minor, any tonic) and tempo (80-140 BPM), a
/// four-chord progression, a chord part, a bass line, a melody that favours chord tones on strong beats
/// and steps between them, and (usually) drums. Each part gets an instrument (additive, FM or subtractive
/// synth with ADSR). <see cref="GenerateSong"/> sings the melody with <see cref="FormantSinger"/> instead
/// and returns the vocal and accompaniment stems with their mix, the training data of a dual-track song model.
/// </summary>
public sealed class MusicGenerator
{
    static readonly string[] Syllables = ["la", "na", "da", "oo", "ee", "oh", "ay", "mi", "lo", "ba"];

    /// <summary>The slowest and the fastest tempo (BPM) a clip is drawn at, uniformly between.</summary>
    public const double SlowestTempo = 80, FastestTempo = 140;

    /// <summary>A generator producing audio at <paramref name="sampleRate"/> Hz.</summary>
    public MusicGenerator(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 8000);
        SampleRate = sampleRate;
    }

    /// <summary>Output sample rate.</summary>
    public int SampleRate { get; }

    /// <summary>An instrumental clip of <paramref name="seconds"/> seconds.</summary>
    public MusicClip Generate(ulong seed, double seconds = 4)
    {
        var arrangement = Arrange(seed, seconds);
        var mix = new float[arrangement.Length];
        arrangement.Accompaniment.CopyTo(mix, 0);
        foreach (var note in arrangement.Melody)
            arrangement.Lead.Render(mix, SampleRate, (int)(note.Start * SampleRate), MusicTheory.Frequency(note.Midi + 12), note.Duration, 0.22);
        Normalize([mix], 0.9);
        return new MusicClip(mix, SampleRate, arrangement.Description);
    }

    /// <summary>A song clip: sung melody, accompaniment and their mix.</summary>
    public SongClip GenerateSong(ulong seed, double seconds = 6)
    {
        var arrangement = Arrange(seed, seconds);
        var random = new SeededRandom(SeededRandom.Derive(seed, 7));
        var lyrics = new List<string>();
        var sung = arrangement.Melody.Select(n =>
        {
            string syllable = random.Pick(Syllables);
            lyrics.Add(syllable);
            return new FormantSinger.SungNote(n.Midi, n.Start, n.Duration, VowelOf(syllable));
        }).ToArray();
        var vocals = FormantSinger.Sing(sung, SampleRate, arrangement.Length);
        var accompaniment = arrangement.Accompaniment;
        // Balance the stems by RMS (voice slightly on top), then scale both by the mix's peak gain.
        double vocalGain = 1.2 * Rms(accompaniment) / Math.Max(Rms(vocals), 1e-9);
        for (int i = 0; i < vocals.Length; i++) vocals[i] = (float)(vocals[i] * vocalGain);
        double peak = 0;
        for (int i = 0; i < vocals.Length; i++) peak = Math.Max(peak, Math.Abs((double)vocals[i] + accompaniment[i]));
        float scale = (float)(0.9 / Math.Max(peak, 1e-9));
        var mix = new float[vocals.Length];
        for (int i = 0; i < mix.Length; i++)
        {
            vocals[i] *= scale;
            accompaniment[i] *= scale;
            mix[i] = vocals[i] + accompaniment[i];
        }
        return new SongClip(vocals, accompaniment, mix, SampleRate, arrangement.Description, lyrics);
    }

    static char VowelOf(string syllable) => syllable[^1] switch
    {
        'a' => 'a', 'y' => 'e', 'i' => 'i', 'e' => 'i', 'h' => 'o', 'o' => syllable == "oo" ? 'u' : 'o', _ => 'a',
    };

    /// <summary>
    /// A rendered accompaniment with what it was made of: the instrumental melody (sung or played by the caller), the
    /// lead instrument, and the key (tonic MIDI note of the bass octave, scale), progression (scale degrees, one per bar)
    /// and beat length in seconds, which a song's own melody follows.
    /// </summary>
    internal sealed record Arrangement(int Length, float[] Accompaniment, IReadOnlyList<FormantSinger.SungNote> Melody, SynthVoice Lead, MusicDescription Description,
        int Tonic, IReadOnlyList<int> Scale, IReadOnlyList<int> Progression, double Beat, SynthVoice ChordVoice, SynthVoice BassVoice);

    Arrangement Arrange(ulong seed, double seconds) => Arrange(seed, _ => seconds);

    /// <summary>The arrangement of <paramref name="seed"/>, as long as <paramref name="secondsForBeat"/> says for the drawn beat length.</summary>
    internal Arrangement Arrange(ulong seed, Func<double, double> secondsForBeat)
    {
        var random = new SeededRandom(SeededRandom.Derive(seed, 1));
        var noise = new SeededRandom(SeededRandom.Derive(seed, 2));
        double tempo = random.Uniform(SlowestTempo, FastestTempo), beat = 60 / tempo;
        double seconds = secondsForBeat(beat);
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 0.5);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, 120);
        int length = (int)(seconds * SampleRate);
        bool minor = random.Chance(0.4);
        var scale = minor ? MusicTheory.Minor : MusicTheory.Major;
        int tonic = 45 + random.Next(12); // A2..G#3 for the bass; chords and melody sit octaves above
        var progression = random.Pick(MusicTheory.Progressions);

        var chordVoice = RandomVoice(random, sustained: true);
        var bassVoice = random.Chance(0.5)
            ? new SynthVoice(SynthKind.Subtractive, new Adsr(0.005, 0.15, 0.6, 0.08), random.Uniform(3, 8))
            : new SynthVoice(SynthKind.FrequencyModulation, new Adsr(0.005, 0.2, 0.5, 0.08), random.Uniform(1, 3), 1);
        var leadVoice = RandomVoice(random, sustained: false);
        bool drums = random.Chance(0.85);

        var accompaniment = new float[length];
        var melody = new List<FormantSinger.SungNote>();
        int bars = (int)Math.Ceiling(seconds / (4 * beat));
        int previousDegree = random.Next(7, 12);
        for (int bar = 0; bar < bars; bar++)
        {
            double barStart = bar * 4 * beat;
            int degree = progression[bar % progression.Length];
            var triad = MusicTheory.Triad(tonic + 12, scale, degree);
            foreach (int note in triad)
                chordVoice.Render(accompaniment, SampleRate, (int)(barStart * SampleRate), MusicTheory.Frequency(note), 4 * beat * 0.95, 0.12);

            // Bass: chord root on a pattern of quarters or eighths with the fifth as a passing note.
            bool eighths = random.Chance(0.4);
            for (double b = 0; b < 4; b += eighths ? 0.5 : 1)
            {
                int bassNote = b == 2 && random.Chance(0.4) ? triad[2] - 12 : triad[0] - 12;
                bassVoice.Render(accompaniment, SampleRate, (int)((barStart + b * beat) * SampleRate), MusicTheory.Frequency(bassNote), beat * (eighths ? 0.45 : 0.9), 0.3);
            }

            if (drums)
            {
                for (int step = 0; step < 8; step++)
                {
                    int at = (int)((barStart + step * beat / 2) * SampleRate);
                    if (step % 4 == 0 || (step == 6 && random.Chance(0.3))) DrumKit.Kick(accompaniment, SampleRate, at, 0.55);
                    if (step % 4 == 2) DrumKit.Snare(accompaniment, SampleRate, at, 0.3, noise);
                    DrumKit.HiHat(accompaniment, SampleRate, at, step % 2 == 0 ? 0.16 : 0.1, noise);
                }
            }

            // Melody in scale degrees around the octave above the chords: chord tones on beats 1 and 3, steps elsewhere.
            for (int b = 0; b < 4; b++)
            {
                double[] rhythm = random.Next(4) switch { 0 => [1], 1 => [0.5, 0.5], 2 => [0.75, 0.25], _ => b % 2 == 1 ? [] : [1] };
                double offset = 0;
                foreach (double beats in rhythm)
                {
                    int next;
                    if (b % 2 == 0 && offset == 0)
                    {
                        int[] chordDegrees = [degree + 7, degree + 9, degree + 11];
                        next = chordDegrees.MinBy(d => Math.Abs(d - previousDegree) + random.NextDouble());
                    }
                    else next = Math.Clamp(previousDegree + random.Pick([-2, -1, -1, 1, 1, 2]), 5, 14);
                    previousDegree = next;
                    double start = barStart + (b + offset) * beat;
                    if (start < seconds) melody.Add(new FormantSinger.SungNote(MusicTheory.ScaleNote(tonic + 12, scale, next - 7), start, beats * beat * 0.9, 'a'));
                    offset += beats;
                }
            }
        }

        string[] chordNames = progression.Select(d =>
        {
            var triad = MusicTheory.Triad(tonic, scale, d);
            int third = triad[1] - triad[0], fifth = triad[2] - triad[0];
            string quality = third == 3 ? (fifth == 6 ? "dim" : "m") : "";
            return MusicTheory.NoteName(triad[0]) + quality;
        }).ToArray();
        var description = new MusicDescription(Math.Round(tempo, 1), $"{MusicTheory.NoteName(tonic)} {(minor ? "minor" : "major")}", chordNames,
            [$"chords: {chordVoice.Kind}", $"bass: {bassVoice.Kind}", $"lead: {leadVoice.Kind}"], drums);
        return new Arrangement(length, accompaniment, melody, leadVoice, description, tonic, scale, progression, beat, chordVoice, bassVoice);
    }

    static SynthVoice RandomVoice(SeededRandom random, bool sustained)
    {
        var envelope = sustained
            ? new Adsr(random.Uniform(0.02, 0.2), 0.3, random.Uniform(0.5, 0.8), random.Uniform(0.1, 0.4))
            : new Adsr(random.Uniform(0.005, 0.03), random.Uniform(0.1, 0.3), random.Uniform(0.3, 0.7), random.Uniform(0.05, 0.2));
        return random.Next(3) switch
        {
            0 => new SynthVoice(SynthKind.Additive, envelope, random.Uniform(1, 2.2)),
            1 => new SynthVoice(SynthKind.FrequencyModulation, envelope, random.Uniform(0.5, 4), random.Pick([1.0, 2.0, 3.0, 0.5])),
            _ => new SynthVoice(SynthKind.Subtractive, envelope, random.Uniform(2, 6)),
        };
    }

    internal static double Rms(float[] x)
    {
        double sum = 0;
        foreach (float v in x) sum += (double)v * v;
        return Math.Sqrt(sum / Math.Max(1, x.Length));
    }

    static void Normalize(float[][] tracks, double peakTarget)
    {
        double peak = tracks.SelectMany(t => t).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
        if (peak <= 0) return;
        float scale = (float)(peakTarget / peak);
        foreach (var track in tracks)
            for (int i = 0; i < track.Length; i++) track[i] *= scale;
    }
}
