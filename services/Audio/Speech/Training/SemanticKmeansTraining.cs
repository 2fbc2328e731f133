using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Tokens;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>
/// The semantic k-means recipe (HuBERT's unit recipe on our recognizer): the recognizer's hidden states over the
/// training clips, a seeded random subset of frames, standardised, k-means++ then Lloyd.
/// </summary>
public static class SemanticKmeansTraining
{
    /// <summary>Fits the tokenizer over <paramref name="recognizer"/> (the caller owns both) and returns the inertia curve.</summary>
    public static (SemanticKmeansTokenizer Tokenizer, KMeansFit Fit, long Frames) Train(
        CtcRecognizer recognizer, SpeechClipSet clips, int clusters, int iterations, int maxFrames, ulong seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.SampleRate != recognizer.Config.Mel.SampleRate)
            throw new ArgumentException($"The clips are at {clips.SampleRate} Hz; the recognizer reads {recognizer.Config.Mel.SampleRate} Hz.", nameof(clips));
        recognizer.eval();
        using var scope = NewDisposeScope();
        using var features = new SpeechFeatures(recognizer.Config.Mel);
        var frames = cat([.. clips.Clips.Select(c => SemanticKmeansTokenizer.HiddenFrames(recognizer, features, c.Samples))], 0);
        var (codebook, fit) = KmeansCodebook.Fit(frames, clusters, iterations, maxFrames, seed, device);
        fit.Centroids.MoveToOuterDisposeScope();
        return (new SemanticKmeansTokenizer(recognizer, codebook), fit, Math.Min(frames.shape[0], maxFrames));
    }
}
