using Media.Audio.Metrics;

namespace Media.Audio.Analysis;

/// <summary>Hann-windowed short-time magnitude spectra computed outside libtorch (the analysers run on plain arrays, on any thread).</summary>
internal static class MagnitudeFrames
{
    /// <summary>|FFT| of frames of <paramref name="fftSize"/> (a power of two) every <paramref name="hop"/> samples: <c>[frame][bin 0..fftSize/2]</c>.</summary>
    public static double[][] Compute(ReadOnlySpan<float> samples, int fftSize, int hop)
    {
        var window = new double[fftSize];
        for (int i = 0; i < fftSize; i++) window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / fftSize);
        int frames = samples.Length < fftSize ? 1 : 1 + (samples.Length - fftSize) / hop;
        var result = new double[frames][];
        var re = new double[fftSize];
        var im = new double[fftSize];
        for (int f = 0; f < frames; f++)
        {
            int start = f * hop;
            for (int i = 0; i < fftSize; i++)
            {
                re[i] = start + i < samples.Length ? samples[start + i] * window[i] : 0;
                im[i] = 0;
            }
            Fft.Forward(re, im);
            var magnitude = new double[fftSize / 2 + 1];
            for (int k = 0; k < magnitude.Length; k++) magnitude[k] = Math.Sqrt(re[k] * re[k] + im[k] * im[k]);
            result[f] = magnitude;
        }
        return result;
    }

    /// <summary>The power of two nearest above <paramref name="n"/>.</summary>
    public static int PowerOfTwoAtLeast(int n)
    {
        int size = 1;
        while (size < n) size <<= 1;
        return size;
    }
}
