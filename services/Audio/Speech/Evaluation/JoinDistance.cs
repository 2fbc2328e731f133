using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>
/// How abruptly speech changes across a join (where edited audio meets kept audio): the RMS over mel bands, in dB, of the
/// difference between the mean log-mel of the few frames after the join and of those before it. Natural speech changes
/// too, so the figure is read against the same measure at the same places in the original recording, and across all
/// of it.
/// </summary>
public static class JoinDistance
{
    /// <summary>Mel frames averaged on each side of a join.</summary>
    public const int Width = 2;

    /// <summary>dB per natural-log unit of power: 10 / ln 10.</summary>
    const double Decibels = 4.342944819032518;

    /// <summary>The distance (dB) across the join at <paramref name="seconds"/> in <paramref name="samples"/>; NaN too near either end.</summary>
    public static double At(SpeechFeatures features, float[] samples, double seconds)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        var mel = features.LogMel(tensor(samples));   // [mels, T]
        return At(mel, (int)Math.Round(seconds * features.Config.FrameRate));
    }

    /// <summary>The mean distance (dB) across every possible join of <paramref name="samples"/>, one per <paramref name="everySeconds"/>: natural speech's own.</summary>
    public static double Mean(SpeechFeatures features, float[] samples, double everySeconds)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        var mel = features.LogMel(tensor(samples));
        var values = new List<double>();
        for (double t = everySeconds; ; t += everySeconds)
        {
            int frame = (int)Math.Round(t * features.Config.FrameRate);
            if (frame + Width > mel.shape[^1]) break;
            values.Add(At(mel, frame));
        }
        return values.Count == 0 ? double.NaN : values.Average();
    }

    static double At(Tensor mel, int frame)
    {
        if (frame - Width < 0 || frame + Width > mel.shape[^1]) return double.NaN;
        var before = mel.narrow(-1, frame - Width, Width).mean([-1]);
        var after = mel.narrow(-1, frame, Width).mean([-1]);
        return (after - before).square().mean().sqrt().item<float>() * Decibels;
    }
}
