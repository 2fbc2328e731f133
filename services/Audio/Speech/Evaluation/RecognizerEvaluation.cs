using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Recognizer;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>Scores speech with a <see cref="CtcRecognizer"/>: corpus CER of greedy transcripts against the recognition targets.</summary>
public static class RecognizerEvaluation
{
    /// <summary>CER of the recognizer on the clips' own audio (its accuracy on real references).</summary>
    public static double Cer(CtcRecognizer recognizer, SpeechFeatures features, IEnumerable<SpeechClip> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        return Cer(recognizer, features, clips.Select(c => (c.Target, c.Samples)));
    }

    /// <summary>CER of greedy transcripts of <c>Samples</c> against <c>Reference</c> (e.g. synthesised speech against its input text).</summary>
    public static double Cer(CtcRecognizer recognizer, SpeechFeatures features, IEnumerable<(string Reference, float[] Samples)> items)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(items);
        return CharacterErrorRate.Compute(items.Select(item => (item.Reference, Transcribe(recognizer, features, item.Samples))).ToList());
    }

    /// <summary>The recognizer's greedy transcript of <paramref name="samples"/> (mono, at the features' rate), in eval mode.</summary>
    public static string Transcribe(CtcRecognizer recognizer, SpeechFeatures features, float[] samples)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(samples);
        bool wasTraining = recognizer.training;
        recognizer.eval();
        try
        {
            using var scope = NewDisposeScope();
            return recognizer.Transcribe(features.Normalized(tensor(samples, device: recognizer.parameters().First().device)));
        }
        finally
        {
            recognizer.train(wasTraining);
        }
    }
}
