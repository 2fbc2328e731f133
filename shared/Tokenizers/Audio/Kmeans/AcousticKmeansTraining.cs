using Media.Audio.Corpora;
using Media.Audio.Metrics;
using Media.Tokenizers.Audio.Training;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Kmeans;

/// <summary>What <c>media train acoustic-kmeans</c> clusters and how.</summary>
public sealed record AcousticKmeansTrainingOptions
{
    public int Clusters { get; init; } = 256;
    public int Iterations { get; init; } = 25;
    public int MaxFrames { get; init; } = 60_000;
    public int SampleRate { get; init; } = 16_000;
    public string CorpusDirectory { get; init; } = "data/corpora";
    public int Utterances { get; init; } = 600;
    public int MusicClips { get; init; } = 64;
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// The acoustic k-means recipe: standardised log-mel frames of the codec's training audio (espeak-ng speech, train
/// split, and procedural music), a seeded random subset, k-means++ then Lloyd.
/// </summary>
public static class AcousticKmeansTraining
{
    /// <summary>Fits the tokenizer (the caller owns it) and returns the clustering's inertia curve.</summary>
    public static (AcousticKmeansTokenizer Tokenizer, KMeansFit Fit, long Frames) Train(AcousticKmeansTrainingOptions options, Device device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = options.CorpusDirectory, SampleRate = options.SampleRate, Count = options.Utterances }, cancellationToken: cancellationToken);
        var corpus = CodecCorpus.Load(speech, heldOut: false, options.MusicClips);
        var features = AcousticKmeansTokenizer.FeaturesFor(options.SampleRate);
        using var scope = NewDisposeScope();
        using var frontEnd = new LogMelSpectrogram(features);
        var frames = cat([.. corpus.Speech.Concat(corpus.Music).Where(c => c.Length > features.FftSize).Select(c => AcousticKmeansTokenizer.LogMelFrames(frontEnd, c))], 0);
        var (codebook, fit) = KmeansCodebook.Fit(frames, options.Clusters, options.Iterations, options.MaxFrames, options.Seed, device);
        fit.Centroids.MoveToOuterDisposeScope();
        return (new AcousticKmeansTokenizer(features, codebook), fit, Math.Min(frames.shape[0], options.MaxFrames));
    }
}
