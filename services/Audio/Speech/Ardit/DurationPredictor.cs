using System.Text.Json.Serialization;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// The default total duration: a least-squares linear regression of an utterance's latent frame count on its
/// text (characters, words, pause marks), fitted on the training corpus. Callers may override it for speech-rate control.
/// </summary>
public sealed record DurationPredictor
{
    /// <summary>Intercept then one weight per feature of <see cref="Features"/>.</summary>
    [JsonPropertyName("weights")] public double[] Weights { get; init; } = [0, 0, 0, 0];

    /// <summary>[1, letters and digits, words, pause marks (, . ; : ? !)] of normalised text.</summary>
    public static double[] Features(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        double letters = text.Count(char.IsLetterOrDigit);
        double words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        double pauses = text.Count(c => ",.;:?!".Contains(c, StringComparison.Ordinal));
        return [1, letters, words, pauses];
    }

    /// <summary>Predicted latent frames for <paramref name="text"/>, at least one.</summary>
    public int Predict(string text)
    {
        var f = Features(text);
        double frames = 0;
        for (int i = 0; i < f.Length; i++) frames += Weights[i] * f[i];
        return Math.Max(1, (int)Math.Round(frames));
    }

    /// <summary>
    /// Frames <paramref name="text"/> adds inside an utterance: the prediction without the intercept (the pauses an utterance
    /// opens and closes with), at least 0. Editing sizes a replaced span with it.
    /// </summary>
    public double SpanFrames(string text)
    {
        var f = Features(text);
        double frames = 0;
        for (int i = 1; i < f.Length; i++) frames += Weights[i] * f[i];
        return Math.Max(0, frames);
    }

    /// <summary>Fits the weights to (text, frames) pairs by ridge-regularised least squares (normal equations).</summary>
    public static DurationPredictor Fit(IReadOnlyList<(string Text, int Frames)> examples, double ridge = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) throw new ArgumentException("Fitting a duration predictor needs examples.", nameof(examples));
        const int k = 4;
        var a = new double[k, k + 1];
        foreach (var (text, frames) in examples)
        {
            var f = Features(text);
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++) a[i, j] += f[i] * f[j];
                a[i, k] += f[i] * frames;
            }
        }
        for (int i = 1; i < k; i++) a[i, i] += ridge;
        // Gauss-Jordan elimination with partial pivoting on the 4x4 system.
        for (int c = 0; c < k; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < k; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            for (int j = 0; j <= k; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            if (Math.Abs(a[c, c]) < 1e-12) throw new ArgumentException("The duration examples do not determine a fit (too few or identical texts).", nameof(examples));
            for (int r = 0; r < k; r++)
            {
                if (r == c) continue;
                double factor = a[r, c] / a[c, c];
                for (int j = c; j <= k; j++) a[r, j] -= factor * a[c, j];
            }
        }
        return new DurationPredictor { Weights = [.. Enumerable.Range(0, k).Select(i => a[i, k] / a[i, i])] };
    }
}
