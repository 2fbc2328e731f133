using static TorchSharp.torch;

namespace Media.Audio.Metrics;

/// <summary>
/// How much of a reference's energy a decoded signal keeps in each frequency band: the decoded signal's power over the
/// reference's, summed over the band's STFT bins (1024-point, Hann, hop 256) and over clips. 1 keeps the band's level;
/// a muffled codec drops towards 0 above its cut-off. Tells a missing band from a misplaced phase, which SI-SNR and STOI mix.
/// </summary>
public static class BandEnergy
{
    /// <summary>Speech bands (Hz): the voicing, first and second formants, sibilance and air.</summary>
    public static IReadOnlyList<(double Low, double High)> SpeechBands { get; } = [(0, 300), (300, 700), (700, 1500), (1500, 3000), (3000, 5000), (5000, 8000)];

    /// <summary>
    /// The kept energy per band of <paramref name="bands"/> over pairs of (reference, decoded) clips at <paramref name="rate"/>
    /// (each pair cut to its shorter length); a band above half the rate, or with no reference energy, gives NaN.
    /// </summary>
    public static double[] Ratios(IEnumerable<(float[] Reference, float[] Decoded)> clips, int rate, IReadOnlyList<(double Low, double High)> bands)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(bands);
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        const int fft = 1024;
        var reference = new double[bands.Count];
        var decoded = new double[bands.Count];
        using var scope = NewDisposeScope();
        var window = hann_window(fft);
        foreach (var (x, y) in clips)
        {
            int length = Math.Min(x.Length, y.Length);
            if (length <= fft / 2) continue;
            using var clip = NewDisposeScope();
            var power = Spectra.Magnitude(stack([tensor(x.AsSpan(0, length).ToArray()), tensor(y.AsSpan(0, length).ToArray())]), fft, fft / 4, fft, window, center: true)
                .square().sum(-1).to_type(TorchSharp.torch.ScalarType.Float64); // [2, bins]
            var perBin = power.data<double>().ToArray();
            int bins = fft / 2 + 1;
            for (int b = 0; b < bands.Count; b++)
                for (int k = 0; k < bins; k++)
                {
                    double hz = (double)k * rate / fft;
                    if (hz < bands[b].Low || hz >= bands[b].High) continue;
                    reference[b] += perBin[k];
                    decoded[b] += perBin[bins + k];
                }
        }
        return [.. Enumerable.Range(0, bands.Count).Select(b => reference[b] > 0 ? decoded[b] / reference[b] : double.NaN)];
    }
}
