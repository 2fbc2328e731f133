using Media.Audio.IO;

namespace Media.Audio.Metrics;

/// <summary>
/// Short-Time Objective Intelligibility (Taal, Hendriks, Heusdens, Jensen, IEEE TASLP 2011), following
/// the reference MATLAB code: both signals resampled to 10 kHz; silent frames (256-sample Hann frames,
/// 50 % overlap, more than 40 dB below the loudest clean frame) removed and the rest overlap-added back;
/// 512-point STFT; 15 one-third-octave bands from 150 Hz; 30-frame (384 ms) segments; each degraded band
/// segment scaled to the clean energy and clipped at beta = -15 dB SDR; the result is the mean correlation
/// over bands and segments, about 0..1 (1 = identical).
/// </summary>
public static class Stoi
{
    /// <summary>Internal sample rate of the measure.</summary>
    public const int SampleRate = 10000;
    const int FrameLength = 256, FftSize = 512, Bands = 15, SegmentFrames = 30;
    const double MinFrequency = 150, Beta = -15, DynamicRange = 40, Eps = 2.220446049250313e-16;

    /// <summary>STOI of <paramref name="degraded"/> against <paramref name="clean"/> (same length, same rate).</summary>
    public static double Compute(ReadOnlySpan<float> clean, ReadOnlySpan<float> degraded, int sampleRate)
    {
        SignalMetrics.CheckLengths(clean, degraded);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        float[] x = clean.ToArray(), y = degraded.ToArray();
        if (sampleRate != SampleRate)
        {
            var resampler = new Resampler(sampleRate, SampleRate);
            x = resampler.Process(x);
            y = resampler.Process(y);
        }
        var window = HannWindow(FrameLength);
        (x, y) = RemoveSilentFrames(x, y, window);

        var xBands = ThirdOctaveEnvelopes(x, window);
        var yBands = ThirdOctaveEnvelopes(y, window);
        int frames = xBands[0].Length;
        if (frames < SegmentFrames)
            throw new ArgumentException($"STOI needs at least {SegmentFrames} non-silent frames (about 0.4 s of speech); got {frames}.", nameof(clean));

        double clip = Math.Pow(10, -Beta / 20);
        double total = 0;
        int segments = frames - SegmentFrames + 1;
        var xs = new double[SegmentFrames];
        var ys = new double[SegmentFrames];
        for (int m = SegmentFrames; m <= frames; m++)
        {
            for (int band = 0; band < Bands; band++)
            {
                Array.Copy(xBands[band], m - SegmentFrames, xs, 0, SegmentFrames);
                Array.Copy(yBands[band], m - SegmentFrames, ys, 0, SegmentFrames);
                double scale = Norm(xs) / (Norm(ys) + Eps);
                for (int j = 0; j < SegmentFrames; j++) ys[j] = Math.Min(ys[j] * scale, xs[j] * (1 + clip));
                total += Correlation(xs, ys);
            }
        }
        return total / (segments * Bands);
    }

    static double[] HannWindow(int length)
    {
        // numpy.hanning(length + 2)[1:-1]: no zero end points.
        var w = new double[length];
        for (int i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (i + 1) / (length + 1));
        return w;
    }

    static (float[] X, float[] Y) RemoveSilentFrames(float[] x, float[] y, double[] window)
    {
        int hop = FrameLength / 2;
        var starts = new List<int>();
        for (int i = 0; i + FrameLength <= x.Length; i += hop) starts.Add(i);
        var energies = starts.Select(s =>
        {
            double sum = 0;
            for (int j = 0; j < FrameLength; j++) { double v = window[j] * x[s + j]; sum += v * v; }
            return 20 * Math.Log10(Math.Sqrt(sum) + Eps);
        }).ToArray();
        if (energies.Length == 0) return ([], []);
        double max = energies.Max();
        var kept = starts.Where((_, i) => max - DynamicRange - energies[i] < 0).ToArray();
        int length = kept.Length == 0 ? 0 : (kept.Length - 1) * hop + FrameLength;
        var xOut = new float[length];
        var yOut = new float[length];
        for (int k = 0; k < kept.Length; k++)
            for (int j = 0; j < FrameLength; j++)
            {
                xOut[k * hop + j] += (float)(window[j] * x[kept[k] + j]);
                yOut[k * hop + j] += (float)(window[j] * y[kept[k] + j]);
            }
        return (xOut, yOut);
    }

    // Band envelopes [band][frame]: sqrt of the power summed over each one-third-octave band's bins.
    static double[][] ThirdOctaveEnvelopes(float[] signal, double[] window)
    {
        int hop = FrameLength / 2;
        var starts = new List<int>();
        for (int i = 0; i < signal.Length - FrameLength; i += hop) starts.Add(i); // strict <, as in the reference code
        var (low, high) = BandBins();
        var bands = new double[Bands][];
        for (int b = 0; b < Bands; b++) bands[b] = new double[starts.Count];
        var re = new double[FftSize];
        var im = new double[FftSize];
        for (int f = 0; f < starts.Count; f++)
        {
            Array.Clear(re);
            Array.Clear(im);
            for (int j = 0; j < FrameLength; j++) re[j] = window[j] * signal[starts[f] + j];
            Fft.Forward(re, im);
            for (int b = 0; b < Bands; b++)
            {
                double power = 0;
                for (int k = low[b]; k < high[b]; k++) power += re[k] * re[k] + im[k] * im[k];
                bands[b][f] = Math.Sqrt(power);
            }
        }
        return bands;
    }

    // Each band spans the FFT bins nearest its edges cf * 2^(-1/6) .. cf * 2^(1/6), cf = 150 * 2^(k/3).
    static (int[] Low, int[] High) BandBins()
    {
        int bins = FftSize / 2 + 1;
        var frequency = Enumerable.Range(0, bins).Select(k => (double)k * SampleRate / FftSize).ToArray();
        int Nearest(double f) => Enumerable.Range(0, bins).MinBy(k => Math.Abs(frequency[k] - f));
        var low = new int[Bands];
        var high = new int[Bands];
        for (int k = 0; k < Bands; k++)
        {
            low[k] = Nearest(MinFrequency * Math.Pow(2, (2.0 * k - 1) / 6));
            high[k] = Nearest(MinFrequency * Math.Pow(2, (2.0 * k + 1) / 6));
        }
        return (low, high);
    }

    static double Norm(double[] v)
    {
        double sum = 0;
        foreach (double x in v) sum += x * x;
        return Math.Sqrt(sum);
    }

    static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double nx = 0, ny = 0, dot = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i] - mx, b = y[i] - my;
            nx += a * a; ny += b * b; dot += a * b;
        }
        return dot / ((Math.Sqrt(nx) + Eps) * (Math.Sqrt(ny) + Eps));
    }
}
