using Media.Audio.Analysis;
using Media.Audio.Corpora;

namespace Media.Audio.Tests.Analysis;

public sealed class EstimatorTests
{
    const int Rate = 16000;

    // Kick-like clicks (a decaying 60 Hz thump plus a short noise burst) on every beat, and softer ones on the off-beats.
    static float[] ClickTrack(double bpm, double seconds)
    {
        var x = new float[(int)(seconds * Rate)];
        var noise = TestSignals.Noise(x.Length, 3, 1);
        double beat = 60 / bpm;
        for (double t = 0.1; t < seconds; t += beat / 2)
        {
            bool onBeat = Math.Abs((t - 0.1) / beat - Math.Round((t - 0.1) / beat)) < 1e-6;
            int start = (int)(t * Rate);
            for (int i = 0; i < Rate / 10 && start + i < x.Length; i++)
            {
                double decay = Math.Exp(-i / (0.02 * Rate));
                x[start + i] += (float)((onBeat ? 0.6 : 0.2) * decay * (Math.Sin(2 * Math.PI * 60 * i / Rate) + 0.5 * noise[start + i]));
            }
        }
        return x;
    }

    [Theory]
    [InlineData(80.0)]
    [InlineData(97.5)]
    [InlineData(123.0)]
    [InlineData(146.0)]
    public void Tempo_of_a_click_track_is_found_within_one_percent(double bpm) =>
        Assert.InRange(TempoEstimator.Estimate(ClickTrack(bpm, 12), Rate), bpm * 0.99, bpm * 1.01);

    [Fact]
    public void A_tempo_outside_the_reported_octave_is_folded_into_it()
    {
        Assert.InRange(TempoEstimator.Estimate(ClickTrack(170, 12), Rate), 85 * 0.99, 85 * 1.01);
        Assert.InRange(TempoEstimator.Estimate(ClickTrack(65, 12), Rate), 130 * 0.99, 130 * 1.01);
    }

    [Fact]
    public void Tempo_of_generated_music_is_within_four_percent()
    {
        var generator = new MusicGenerator(Rate);
        int right = 0;
        for (ulong seed = 0; seed < 6; seed++)
        {
            var clip = generator.Generate(seed, 10);
            double estimate = TempoEstimator.Estimate(clip.Samples, Rate);
            if (Math.Abs(estimate - clip.Description.Tempo) <= 0.04 * clip.Description.Tempo) right++;
        }
        Assert.True(right >= 5, $"{right} of 6 tempos within 4 %");
    }

    // Additive notes (harmonics with a 1/k tilt) of a chord progression, one chord a second, with the melody notes on top.
    static float[] Cadence(int[][] chords)
    {
        var x = new float[chords.Length * Rate];
        for (int c = 0; c < chords.Length; c++)
            foreach (int midi in chords[c])
            {
                double f0 = MusicTheory.Frequency(midi);
                for (int i = 0; i < Rate; i++)
                {
                    double t = (double)i / Rate, sample = 0;
                    for (int k = 1; k <= 6 && k * f0 < Rate / 2.5; k++) sample += Math.Sin(2 * Math.PI * k * f0 * t) / k;
                    x[c * Rate + i] += (float)(0.1 * sample * Math.Exp(-t));
                }
            }
        return x;
    }

    [Fact]
    public void The_key_of_a_major_and_a_minor_cadence_is_found()
    {
        // C major: I IV V I with bass roots.
        var cMajor = Cadence([[48, 60, 64, 67], [41, 60, 65, 69], [43, 59, 62, 67], [48, 60, 64, 67], [48, 64, 67, 72]]);
        Assert.Equal("C major", KeyEstimator.Estimate(cMajor, Rate).Name);
        // A minor: i iv V i (harmonic minor's raised seventh on V).
        var aMinor = Cadence([[45, 57, 60, 64], [38, 57, 62, 65], [40, 56, 59, 64], [45, 57, 60, 64], [45, 60, 64, 69]]);
        Assert.Equal("A minor", KeyEstimator.Estimate(aMinor, Rate).Name);
        // Transposed up a tone: D major.
        var dMajor = Cadence([[50, 62, 66, 69], [43, 62, 67, 71], [45, 61, 64, 69], [50, 62, 66, 69]]);
        Assert.Equal("D major", KeyEstimator.Estimate(dMajor, Rate).Name);
    }

    [Fact]
    public void A_cadence_in_one_key_is_clearer_than_noise_and_a_chromatic_cluster()
    {
        var cMajor = Cadence([[48, 60, 64, 67], [41, 60, 65, 69], [43, 59, 62, 67], [48, 60, 64, 67]]);
        var cluster = Cadence([[60, 61, 62, 63, 64, 65], [66, 67, 68, 69, 70, 71], [60, 61, 62, 63, 64, 65], [66, 67, 68, 69, 70, 71]]);
        var random = new Random(4);
        var noise = Enumerable.Range(0, cMajor.Length).Select(_ => (float)(random.NextDouble() - 0.5) * 0.3f).ToArray();
        double tonal = KeyEstimator.Clarity(KeyEstimator.Chroma(cMajor, Rate));
        Assert.InRange(tonal, 0.7, 1.0);
        Assert.True(KeyEstimator.Clarity(KeyEstimator.Chroma(cluster, Rate)) < tonal - 0.3);
        Assert.True(KeyEstimator.Clarity(KeyEstimator.Chroma(noise, Rate)) < tonal - 0.3);
    }

    [Fact]
    public void Keys_parse_from_and_print_to_the_corpus_names()
    {
        Assert.Equal(new MusicalKey(6, true), MusicalKey.Parse("F# minor"));
        Assert.Equal("A# major", new MusicalKey(10, false).Name);
        Assert.Throws<FormatException>(() => MusicalKey.Parse("H major"));
    }

    [Theory]
    [InlineData("C major", "C major", 1.0)]
    [InlineData("C major", "G major", 0.5)]   // a fifth above
    [InlineData("C major", "F major", 0.0)]   // a fifth below is no neighbour in MIREX's score
    [InlineData("C major", "A minor", 0.3)]   // relative minor
    [InlineData("A minor", "C major", 0.3)]   // relative major
    [InlineData("A minor", "E minor", 0.5)]
    [InlineData("F# minor", "F# major", 0.2)] // parallel
    [InlineData("B major", "F# major", 0.5)]  // the fifth wraps around the octave
    [InlineData("C major", "C# major", 0.0)]
    [InlineData("C major", "E minor", 0.0)]
    public void The_weighted_key_score_is_mirexs(string reference, string estimate, double score) =>
        Assert.Equal(score, MusicalKey.Parse(reference).WeightedScore(MusicalKey.Parse(estimate)));

    // A "vocal" of syllable-like bursts whose harmonics all lie in the voice band (310-340 Hz, ten harmonics: up to 3.4 kHz).
    static float[] InBandVocal(int n)
    {
        var vocal = new float[n];
        var random = new SeededRandom(9);
        for (double t = 0.2; t < (double)n / Rate - 0.4; t += random.Uniform(0.3, 0.7))
        {
            double f0 = random.Uniform(310, 340), length = random.Uniform(0.1, 0.25);
            for (int i = 0; i < (int)(length * Rate); i++)
            {
                double s = 0;
                for (int k = 1; k <= 10; k++) s += Math.Sin(2 * Math.PI * k * f0 * i / Rate) / k;
                vocal[(int)(t * Rate) + i] += (float)(0.3 * s * Math.Sin(Math.PI * i / (length * Rate)));
            }
        }
        return vocal;
    }

    static double MeanSquare(float[] x) => x.Average(v => (double)v * v);

    [Fact]
    public void Leakage_is_near_zero_for_separate_stems_and_grows_with_the_leaked_vocal()
    {
        int n = 8 * Rate;
        var vocal = InBandVocal(n);
        var music = new MusicGenerator(Rate).Generate(4, 8).Samples;
        Assert.InRange(VocalBandLeakage.Measure(vocal, music, Rate).LeakedFraction, 0, 0.05);
        double previous = 0;
        foreach (double gain in new[] { 0.3, 0.6, 1.0, 3.0 })
        {
            double fraction = VocalBandLeakage.Measure(vocal, music.Select((a, i) => (float)(a + gain * vocal[i])).ToArray(), Rate).LeakedFraction;
            Assert.True(fraction > previous + 0.02, $"gain {gain}: {fraction} after {previous}");
            previous = fraction;
        }
        Assert.True(previous > 0.7, "a vocal three times louder than it should be dominates the accompaniment's voice band");
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.7)]
    public void The_leaked_fraction_is_the_share_of_voice_band_energy_the_vocal_brings(double gain)
    {
        // Accompaniment: a steady 440 Hz tone (in the band) over a 100 Hz bass (below it). Every vocal harmonic is in the
        // band, so the band energies are the in-band signals' mean squares.
        int n = 8 * Rate;
        var vocal = InBandVocal(n);
        var tone = TestSignals.Sine(440, Rate, n, 0.2);
        var accompaniment = tone.Select((v, i) => v + (float)(0.3 * Math.Sin(2 * Math.PI * 100 * i / Rate))).ToArray();
        var leaky = accompaniment.Select((a, i) => (float)(a + gain * vocal[i])).ToArray();
        var measured = VocalBandLeakage.Measure(vocal, leaky, Rate);
        double leaked = gain * gain * MeanSquare(vocal);
        double expected = leaked / (MeanSquare(tone) + leaked);
        Assert.InRange(measured.LeakedFraction, expected * 0.85, expected * 1.15);
        Assert.True(measured.Correlation > 0.9);
    }
}
