using Media.Audio.Analysis;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Recognizer;

namespace Media.Services.Audio.Evaluation;

/// <summary>
/// A generated song to measure: what was asked (tempo, key, the sung lines' transcript), the true vocal stem and mix of the
/// corpus song it was asked from over the same opening (for the ceilings), what came out (the mix, and a dual-track model's
/// stems) and how long it took. <paramref name="TokenMix"/> is that opening through the model's tokens and back (the
/// ceiling of what its songs can score, null when not measured).
/// </summary>
public sealed record GeneratedSong(ulong Seed, double Tempo, string Key, string Lyrics, float[] TrueVocals, float[] Mix, float[]? Vocals,
    float[]? Accompaniment, int SampleRate, double Seconds, double FirstChunkSeconds, double WallSeconds, double CpuSeconds, float[]? TrueMix = null,
    float[]? TokenMix = null);

/// <summary>One generated song's measurements (the same estimators and recognizer as the corpus's ceilings).</summary>
public sealed record SongModelRow(ulong Seed, double Tempo, double EstimatedTempo, string Key, string EstimatedKey, string Lyrics, string Transcript,
    string CorpusTranscript, double? Leakage, double Seconds, double FirstChunkSeconds, double WallSeconds, double CpuSeconds, double KeyClarity = 0,
    double? CorpusEstimatedTempo = null, string? CorpusEstimatedKey = null, double? TokenEstimatedTempo = null, string? TokenEstimatedKey = null)
{
    /// <summary>Whether the mix's estimated tempo is within 4 % of the asked.</summary>
    public bool TempoCorrect => KeepsTempo(EstimatedTempo);

    /// <summary>Whether the mix's estimated key is the asked one.</summary>
    public bool KeyCorrect => EstimatedKey == Key;

    /// <summary>MIREX's weighted key score of the mix's estimated key (1 right, 0.5 a fifth above, 0.3 relative, 0.2 parallel).</summary>
    public double KeyScore => MusicalKey.Parse(Key).WeightedScore(MusicalKey.Parse(EstimatedKey));

    /// <summary>Whether the estimators read the asked tempo and key from the corpus song's own mix over the same opening (null: not measured).</summary>
    public bool? CorpusTempoCorrect => CorpusEstimatedTempo is { } t ? KeepsTempo(t) : null;

    /// <inheritdoc cref="CorpusTempoCorrect"/>
    public bool? CorpusKeyCorrect => CorpusEstimatedKey is { } k ? k == Key : null;

    /// <summary>Whether the estimators read the asked tempo and key from the corpus opening after the model's tokens (null: not measured).</summary>
    public bool? TokenTempoCorrect => TokenEstimatedTempo is { } t ? KeepsTempo(t) : null;

    /// <inheritdoc cref="TokenTempoCorrect"/>
    public bool? TokenKeyCorrect => TokenEstimatedKey is { } k ? k == Key : null;

    bool KeepsTempo(double estimated) => Math.Abs(estimated - Tempo) <= SongCorpusEvaluation.TempoTolerance * Tempo;

    /// <summary>The recognizer's CER on this song's sung lines (capped at 1).</summary>
    public double Cer => Math.Min(1, CharacterErrorRate.Compute([(Lyrics, Transcript)]));

    /// <summary>
    /// The combined score that ranks two samples of one prompt (LeVo's DPO pairs, and the preference gain): lyric adherence
    /// (1 - CER), tempo and key adherence (1 each when right), and the musicality proxy, key clarity (the mix's best
    /// Krumhansl-Kessler correlation, how tonal it sounds). Higher is better; at most 4.
    /// </summary>
    public double PreferenceScore => (1 - Cer) + (TempoCorrect ? 1 : 0) + (KeyCorrect ? 1 : 0) + KeyClarity;
}

/// <summary>A model's figures over a set of songs, with the corpus ceiling measured on the same excerpts.</summary>
public sealed record SongModelReport(IReadOnlyList<SongModelRow> Rows)
{
    /// <summary>Share of songs at the asked tempo (within 4 %).</summary>
    public double TempoAccuracy => Rows.Count(r => r.TempoCorrect) / (double)Rows.Count;

    /// <summary>Share of songs in the asked key.</summary>
    public double KeyAccuracy => Rows.Count(r => r.KeyCorrect) / (double)Rows.Count;

    /// <summary>Mean MIREX weighted key score: the key accuracy with partial credit for neighbouring keys.</summary>
    public double KeyWeightedScore => Rows.Average(r => r.KeyScore);

    /// <summary>
    /// Share of the corpus songs' own openings whose tempo the estimator reads as asked: the ceiling of <see cref="TempoAccuracy"/>
    /// in the evaluation's conditions (null when not measured).
    /// </summary>
    public double? CorpusTempoAccuracy => Share(r => r.CorpusTempoCorrect);

    /// <summary>Share of the corpus songs' own openings whose key the estimator reads as asked: the ceiling of <see cref="KeyAccuracy"/>.</summary>
    public double? CorpusKeyAccuracy => Share(r => r.CorpusKeyCorrect);

    /// <summary>
    /// Share of the corpus openings, through the model's tokens and back, whose tempo the estimator reads as asked: the
    /// ceiling the tokens set on <see cref="TempoAccuracy"/>, below <see cref="CorpusTempoAccuracy"/> (null when not measured).
    /// </summary>
    public double? TokenTempoAccuracy => Share(r => r.TokenTempoCorrect);

    /// <summary>The same for the key: the ceiling the tokens set on <see cref="KeyAccuracy"/>.</summary>
    public double? TokenKeyAccuracy => Share(r => r.TokenKeyCorrect);

    // The share of rows where a reading came out right; null when any row lacks it.
    double? Share(Func<SongModelRow, bool?> correct) =>
        Rows.All(r => correct(r) is not null) ? Rows.Count(r => correct(r) == true) / (double)Rows.Count : null;

    /// <summary>The recognizer's CER on the vocal stem (dual-track) or the mix (mixed modes), all songs together.</summary>
    public double LyricCer => CharacterErrorRate.Compute(Rows.Select(r => (r.Lyrics, r.Transcript)));

    /// <summary>The recognizer's CER on the true vocal stems of the same excerpts: the ceiling.</summary>
    public double CorpusLyricCer => CharacterErrorRate.Compute(Rows.Select(r => (r.Lyrics, r.CorpusTranscript)));

    /// <summary>Mean vocal-band leakage into the accompaniment (dual-track only; null for mixed modes).</summary>
    public double? StemLeakage => Rows.All(r => r.Leakage is not null) ? Rows.Average(r => r.Leakage!.Value) : null;

    /// <summary>Wall seconds of generation per second of song.</summary>
    public double RealTimeFactor => Rows.Sum(r => r.WallSeconds) / Rows.Sum(r => r.Seconds);

    /// <summary>CPU seconds of generation per second of song.</summary>
    public double CpuRealTimeFactor => Rows.Sum(r => r.CpuSeconds) / Rows.Sum(r => r.Seconds);

    /// <summary>Mean key clarity of the mixes (the musicality proxy).</summary>
    public double MeanKeyClarity => Rows.Average(r => r.KeyClarity);

    /// <summary>Mean seconds from submission to the first audio chunk.</summary>
    public double MeanFirstChunkSeconds => Rows.Average(r => r.FirstChunkSeconds);
}

/// <summary>
/// Measures generated songs with the project's own estimators, each validated on the corpus first (docs/SONG.md): tempo
/// and key on the mix, the recognizer (asr-ctc) on the vocal stem of a dual-track model or on the mix of a mixed one, and
/// the vocal-band leakage into a dual-track model's accompaniment. The song model itself runs in the caller (services
/// never reference each other); this sees only audio and what was asked.
/// </summary>
public sealed class SongModelEvaluation(CtcRecognizer recognizer, SpeechFeatures features)
{
    // What the corpus song's own opening reads depends only on the prompt, and a prompt is sung by every model of an
    // evaluation and several times for preference pairs: it is read once per song and opening length.
    readonly Dictionary<(ulong Seed, int Samples, bool Mix), (string Transcript, double? Tempo, string? Key)> corpusReadings = [];

    /// <summary>The measurements of one generated song.</summary>
    public SongModelRow Measure(GeneratedSong song)
    {
        ArgumentNullException.ThrowIfNull(song);
        double tempo = TempoEstimator.Estimate(song.Mix, song.SampleRate);
        var chroma = KeyEstimator.Chroma(song.Mix, song.SampleRate);
        var key = KeyEstimator.Best(chroma);
        string transcript = SongCorpusEvaluation.Transcribe(recognizer, features, song.Vocals ?? song.Mix);
        double? leakage = song.Vocals is { } v && song.Accompaniment is { } a ? VocalBandLeakage.Measure(v, a, song.SampleRate).LeakedFraction : null;
        var (corpus, trueTempo, trueKey) = CorpusReading(song);
        var (tokenTempo, tokenKey) = Read(song.TokenMix, song.SampleRate);
        return new SongModelRow(song.Seed, song.Tempo, tempo, song.Key, key.Name, song.Lyrics, transcript, corpus, leakage, song.Seconds,
            song.FirstChunkSeconds, song.WallSeconds, song.CpuSeconds, KeyEstimator.Clarity(chroma), trueTempo, trueKey, tokenTempo, tokenKey);
    }

    // The tempo and key estimators on a mix (none without one).
    static (double? Tempo, string? Key) Read(float[]? mix, int sampleRate) =>
        mix is null ? (null, null) : (TempoEstimator.Estimate(mix, sampleRate), KeyEstimator.Estimate(mix, sampleRate).Name);

    /// <summary>
    /// The recognizer on the corpus song's true vocal stem (the lyric ceiling) and the same estimators on its own mix over the
    /// same opening (the tempo and key ceilings; null without the mix).
    /// </summary>
    (string Transcript, double? Tempo, string? Key) CorpusReading(GeneratedSong song)
    {
        var at = (song.Seed, song.TrueVocals.Length, song.TrueMix is not null);
        if (corpusReadings.TryGetValue(at, out var read)) return read;
        string transcript = SongCorpusEvaluation.Transcribe(recognizer, features, song.TrueVocals);
        var (tempo, key) = Read(song.TrueMix, song.SampleRate);
        return corpusReadings[at] = (transcript, tempo, key);
    }
}
