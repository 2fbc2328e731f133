namespace Media.Audio.Metrics;

/// <summary>
/// Mel-cepstral distortion with DTW, for TTS evaluation against a reference recording. Cepstra are
/// MFCCs: orthonormal DCT-II of the natural-log mel power spectrum (1024-point FFT, hop 256, 80 Slaney
/// bands, power 2, floor 1e-10), coefficients 1..<see cref="Coefficients"/> (c0, the loudness, is left
/// out). Frames are aligned by <see cref="DynamicTimeWarping"/> on their Euclidean distance, and
/// MCD = mean over the path of (10 / ln 10) sqrt(2 sum_d (c_d - c'_d)^2), in dB. Being MFCC-based rather
/// than SPTK mel-generalised cepstra, values are comparable between runs of this project, not with
/// papers that use SPTK.
/// </summary>
public sealed class MelCepstralDistortion : IDisposable
{
    static readonly double Scale = 10 / Math.Log(10) * Math.Sqrt(2);
    readonly LogMelSpectrogram frontEnd;

    /// <summary>An MCD at <paramref name="sampleRate"/> over <paramref name="coefficients"/> cepstra.</summary>
    public MelCepstralDistortion(int sampleRate, int coefficients = 13)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(coefficients, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(coefficients, 80);
        Coefficients = coefficients;
        frontEnd = new LogMelSpectrogram(new MelSpectrogramOptions { SampleRate = sampleRate, Power = 2, LogFloor = 1e-10 });
    }

    /// <summary>Number of cepstral coefficients compared (c1 upwards).</summary>
    public int Coefficients { get; }

    /// <summary>Cepstra <c>[frame][coefficient]</c> of a waveform (c1..cK).</summary>
    public double[][] Cepstra(float[] samples)
    {
        var logMel = frontEnd.Compute(samples);
        int bands = logMel.Length, frames = logMel[0].Length;
        var result = new double[frames][];
        for (int t = 0; t < frames; t++)
        {
            result[t] = new double[Coefficients];
            for (int n = 1; n <= Coefficients; n++)
            {
                double sum = 0;
                for (int m = 0; m < bands; m++) sum += logMel[m][t] * Math.Cos(Math.PI * n * (m + 0.5) / bands);
                result[t][n - 1] = sum * Math.Sqrt(2.0 / bands);
            }
        }
        return result;
    }

    /// <summary>MCD in dB between a reference and a synthesised waveform (lengths may differ).</summary>
    public double Compute(float[] reference, float[] synthesized)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(synthesized);
        var a = Cepstra(reference);
        var b = Cepstra(synthesized);
        var cost = a.Select(x => b.Select(y => Distance(x, y)).ToArray()).ToArray();
        var alignment = DynamicTimeWarping.Align(cost);
        return alignment.Path.Average(p => Scale * cost[p.Row][p.Column]);
    }

    static double Distance(double[] x, double[] y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) { double d = x[i] - y[i]; sum += d * d; }
        return Math.Sqrt(sum);
    }

    /// <summary>Releases the front end's tensors.</summary>
    public void Dispose() => frontEnd.Dispose();
}
