using Media.Audio.Analysis;
using Media.Audio.Corpora;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Recognizer;
using static TorchSharp.torch;

namespace Media.Services.Audio.Evaluation;

/// <summary>One generated song's measurements: asked and estimated tempo and key, the recognizer's transcript of the vocal stem, and the stems' leakage.</summary>
public sealed record SongCorpusRow(ulong Seed, double Tempo, double EstimatedTempo, string Key, string EstimatedKey, string Lyrics, string Transcript,
    double Cer, VocalBandLeakage.Result Leakage, double Seconds)
{
    /// <summary>The recognizer's transcripts of the vocal stem after each <see cref="SongCorpusVariant"/>, by name.</summary>
    public IReadOnlyDictionary<string, string> VariantTranscripts { get; init; } = new Dictionary<string, string>();

    /// <summary>The estimated key of the mix after each <see cref="SongCorpusVariant"/>, by name.</summary>
    public IReadOnlyDictionary<string, string> VariantEstimatedKeys { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the estimated tempo is within <see cref="SongCorpusEvaluation.TempoTolerance"/> of the asked.</summary>
    public bool TempoCorrect => Math.Abs(EstimatedTempo - Tempo) <= SongCorpusEvaluation.TempoTolerance * Tempo;

    /// <summary>Whether the estimated key is the asked one.</summary>
    public bool KeyCorrect => EstimatedKey == Key;

    /// <summary>Whether the mix's estimated key after the variant <paramref name="name"/> is the asked one.</summary>
    public bool VariantKeyCorrect(string name) => VariantEstimatedKeys[name] == Key;
}

/// <summary>The corpus's own figures over a set of songs: the ceilings a song model is measured against.</summary>
public sealed record SongCorpusReport(IReadOnlyList<SongCorpusRow> Rows)
{
    /// <summary>Corpus CER of the recognizer on the vocal stems (edits over reference characters, all songs together).</summary>
    public double LyricCer => CharacterErrorRate.Compute(Rows.Select(r => (r.Lyrics, r.Transcript)));

    /// <summary>Share of songs whose mix's estimated tempo is within 4 % of the asked.</summary>
    public double TempoAccuracy => Rows.Count(r => r.TempoCorrect) / (double)Rows.Count;

    /// <summary>Share of songs whose mix's estimated key is the asked.</summary>
    public double KeyAccuracy => Rows.Count(r => r.KeyCorrect) / (double)Rows.Count;

    /// <summary>Mean leaked fraction measured on the true (separate) stems: the floor of a model's figure.</summary>
    public double MeanLeakage => Rows.Average(r => r.Leakage.LeakedFraction);

    /// <summary>The recognizer's CER on the vocal stems after the variant <paramref name="name"/> (all songs together).</summary>
    public double VariantCer(string name) => CharacterErrorRate.Compute(Rows.Select(r => (r.Lyrics, r.VariantTranscripts[name])));

    /// <summary>Share of songs whose mix, after the variant <paramref name="name"/>, still reads as the asked key.</summary>
    public double VariantKeyAccuracy(string name) => Rows.Count(r => r.VariantKeyCorrect(name)) / (double)Rows.Count;
}

/// <summary>
/// A transformation heard beside the true audio (for example a codec's round trip at K codebooks), applied to the vocal
/// stem and to the mix: how much of the lyrics' intelligibility and of the key survives what a song model's audio passes
/// through.
/// </summary>
public sealed record SongCorpusVariant(string Name, Func<float[], int, float[]> Transform);

/// <summary>
/// Validates the song corpus and the estimators on it: for seeds <c>first .. first + n - 1</c> it generates songs
/// (<see cref="LyricSongGenerator"/>), estimates tempo and key on the mix, transcribes the vocal stem with the CTC
/// recognizer and measures the stems' vocal-band leakage.
/// </summary>
public static class SongCorpusEvaluation
{
    /// <summary>Relative tempo error still counted as right.</summary>
    public const double TempoTolerance = 0.04;

    /// <summary>
    /// Generates and measures <paramref name="count"/> songs; <paramref name="recognizerFolder"/> holds asr-ctc. Each of
    /// <paramref name="variants"/> transforms every vocal stem and mix: the recognizer hears the stem, the key estimator reads the mix.
    /// </summary>
    public static SongCorpusReport Run(LyricSongGenerator generator, string recognizerFolder, Device device, int count, ulong firstSeed,
        IProgress<SongCorpusRow>? progress = null, IReadOnlyList<SongCorpusVariant>? variants = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var recognizer = CtcRecognizer.Load(recognizerFolder, device);
        if (recognizer.Config.Mel.SampleRate != generator.SampleRate)
            throw new ArgumentException($"The recognizer reads {recognizer.Config.Mel.SampleRate} Hz audio; the generator makes {generator.SampleRate} Hz.", nameof(generator));
        using var features = new SpeechFeatures(recognizer.Config.Mel);
        var rows = new List<SongCorpusRow>();
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong seed = firstSeed + (ulong)i;
            var song = generator.Generate(seed);
            var row = Measure(song, seed, recognizer, features);
            if (variants is { Count: > 0 })
                row = row with
                {
                    VariantTranscripts = variants.ToDictionary(v => v.Name, v => Transcribe(recognizer, features, v.Transform(song.Vocals, song.SampleRate))),
                    VariantEstimatedKeys = variants.ToDictionary(v => v.Name, v => KeyEstimator.Estimate(v.Transform(song.Mix, song.SampleRate), song.SampleRate).Name),
                };
            rows.Add(row);
            progress?.Report(row);
        }
        return new SongCorpusReport(rows);
    }

    /// <summary>The measurements of one song.</summary>
    public static SongCorpusRow Measure(LyricSong song, ulong seed, CtcRecognizer recognizer, SpeechFeatures features)
    {
        ArgumentNullException.ThrowIfNull(song);
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(features);
        double tempo = TempoEstimator.Estimate(song.Mix, song.SampleRate);
        var key = KeyEstimator.Estimate(song.Mix, song.SampleRate);
        string transcript = Transcribe(recognizer, features, song.Vocals);
        string lyrics = song.Lyrics.Transcript;
        return new SongCorpusRow(seed, song.Music.Tempo, tempo, song.Music.Key, key.Name, lyrics, transcript,
            CharacterErrorRate.Compute(lyrics, transcript), VocalBandLeakage.Measure(song.Vocals, song.Accompaniment, song.SampleRate), song.DurationSeconds);
    }

    /// <summary>The recognizer's greedy transcript of <paramref name="samples"/> (its rate).</summary>
    public static string Transcribe(CtcRecognizer recognizer, SpeechFeatures features, float[] samples)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = recognizer.parameters().First().device;
        return recognizer.Transcribe(features.Normalized(tensor(samples, device: device))).Trim();
    }
}
