using Media.Audio.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Audio.Tests.Metrics;

public sealed class MelTests
{
    [Fact]
    public void Mel_scales_match_their_published_anchor_points()
    {
        Assert.Equal(1000, MelConversion.HzToMel(1000, MelScale.Htk), 0.1);   // HTK is anchored at 1000 Hz = 1000 mel
        Assert.Equal(15, MelConversion.HzToMel(1000, MelScale.Slaney), 1e-9); // Slaney: 1000 / (200/3)
        Assert.Equal(3, MelConversion.HzToMel(200, MelScale.Slaney), 1e-9);
        foreach (var scale in new[] { MelScale.Htk, MelScale.Slaney })
            foreach (double hz in new[] { 0.0, 150, 999, 1000, 4321, 11025 })
                Assert.Equal(hz, MelConversion.MelToHz(MelConversion.HzToMel(hz, scale), scale), 1e-6);
    }

    [Fact]
    public void Htk_triangles_sum_to_one_between_the_first_and_last_centres()
    {
        const int rate = 16000, fft = 1024, bands = 40;
        var fb = MelFilterbank.Create(rate, fft, bands, 0, 8000, MelScale.Htk);
        double firstCentre = MelConversion.MelToHz(MelConversion.HzToMel(8000, MelScale.Htk) * 1 / (bands + 1), MelScale.Htk);
        double lastCentre = MelConversion.MelToHz(MelConversion.HzToMel(8000, MelScale.Htk) * bands / (bands + 1), MelScale.Htk);
        for (int k = 0; k <= fft / 2; k++)
        {
            double f = (double)k * rate / fft;
            if (f < firstCentre || f > lastCentre) continue;
            Assert.Equal(1.0, fb.Sum(row => (double)row[k]), 5);
        }
    }

    [Fact]
    public void Slaney_filters_have_unit_area_in_hertz()
    {
        const int rate = 24000, fft = 4096;
        var fb = MelFilterbank.Create(rate, fft, 80, 0, 12000, MelScale.Slaney);
        double binWidth = (double)rate / fft;
        // Filters many bins wide integrate to 1 (narrow low ones are coarsely sampled by the bins).
        foreach (var row in fb.Skip(40)) Assert.Equal(1.0, row.Sum(v => (double)v) * binWidth, 2);
    }

    [Fact]
    public void Log_mel_matches_a_naive_dft_of_one_frame()
    {
        var options = new MelSpectrogramOptions { SampleRate = 16000, FftSize = 512, HopLength = 128, WindowLength = 512, MelBands = 40 };
        var x = TestSignals.SpeechLike(16000, 0.5, 3);
        using var frontEnd = new LogMelSpectrogram(options);
        var logMel = frontEnd.Compute(x);
        Assert.Equal(frontEnd.FrameCount(x.Length), logMel[0].Length);
        Assert.Equal(x.Length / 128 + 1, logMel[0].Length);

        var fb = MelFilterbank.Create(16000, 512, 40, 0, 8000, MelScale.Slaney);
        foreach (int frame in new[] { 10, 31 })
        {
            // Centred frame: samples t*hop - n/2 .. t*hop + n/2 - 1 under a periodic Hann window.
            var magnitude = new double[257];
            for (int k = 0; k <= 256; k++)
            {
                double re = 0, im = 0;
                for (int j = 0; j < 512; j++)
                {
                    double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * j / 512);
                    double v = w * x[frame * 128 + j - 256];
                    re += v * Math.Cos(2 * Math.PI * j * k / 512);
                    im -= v * Math.Sin(2 * Math.PI * j * k / 512);
                }
                magnitude[k] = Math.Sqrt(re * re + im * im);
            }
            for (int band = 0; band < 40; band++)
            {
                double mel = fb[band].Select((w, k) => w * magnitude[k]).Sum();
                Assert.Equal(Math.Log(Math.Max(mel, 1e-5)), logMel[band][frame], 2e-3);
            }
        }
    }

    [Fact]
    public void Mel_distance_is_zero_for_identical_signals_and_grows_with_noise()
    {
        var x = TestSignals.SpeechLike(16000, 0.5, 5);
        using var distance = new MelDistance(16000);
        Assert.Equal(0, distance.Compute(x, x), 6);
        double small = distance.Compute(x, TestSignals.Add(x, TestSignals.Noise(x.Length, 1, 0.01)));
        double large = distance.Compute(x, TestSignals.Add(x, TestSignals.Noise(x.Length, 1, 0.1)));
        Assert.True(small > 0 && large > small, $"{small} {large}");
        Assert.Throws<ArgumentException>(() => distance.Compute(x, x[..100]));
    }

    [Fact]
    public void Multi_resolution_stft_distance_of_half_gain_is_one_half_plus_ln_two()
    {
        // For Y = X/2 at every bin: spectral convergence = 1/2, mean |log|X| - log|Y|| = ln 2, at each resolution.
        var x = TestSignals.Noise(8000, 2);
        using var distance = MultiResolutionStftDistance.ForSampleRate(16000);
        Assert.Equal(new[] { 256, 512, 1024 }, distance.Resolutions.Select(r => r.FftSize));
        Assert.Equal(0, distance.Compute(x, x), 6);
        Assert.Equal(0.5 + Math.Log(2), distance.Compute(x, x.Select(v => v / 2).ToArray()), 4);
    }

    [Theory]
    [InlineData("mel")]
    [InlineData("stft")]
    public void Distances_are_differentiable_losses(string which)
    {
        using var scope = NewDisposeScope();
        var x = tensor(TestSignals.SpeechLike(16000, 0.6, 8)).unsqueeze(0);
        var y = (x * 0.8f + 0.01f * randn(x.shape, generator: new Generator(1))).detach().requires_grad_(true);
        using var mel = new MelDistance(16000);
        using var stftDistance = MultiResolutionStftDistance.ForSampleRate(16000);
        var loss = which == "mel" ? mel.Forward(x, y) : stftDistance.Forward(x, y);
        loss.backward();
        var grad = y.grad!;
        Assert.False(grad.isnan().any().item<bool>(), "NaN gradient");
        Assert.True(grad.abs().sum().item<float>() > 0, "zero gradient");
    }

    [Fact]
    public void Invalid_options_and_short_input_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new LogMelSpectrogram(new MelSpectrogramOptions { SampleRate = 16000, WindowLength = 2048 }));
        using var frontEnd = new LogMelSpectrogram(new MelSpectrogramOptions { SampleRate = 16000 });
        Assert.Throws<ArgumentException>(() => frontEnd.Compute(new float[100]));
    }
}
