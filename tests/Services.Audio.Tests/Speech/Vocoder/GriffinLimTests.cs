using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Vocoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Vocoder;

public class GriffinLimTests
{
    static readonly SpeechMelConfig Mel = new();

    [Fact]
    public void Griffin_lim_on_a_real_stft_magnitude_lowers_the_spectral_convergence()
    {
        using var scope = NewDisposeScope();
        var signal = tensor(SpeechTestData.Syllables("speech", Mel.SampleRate, 5));
        var window = hann_window(Mel.WindowLength);
        var target = stft(signal, Mel.FftSize, Mel.HopLength, Mel.WindowLength, window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true).abs();
        using var griffinLim = new GriffinLim(Mel);

        double random = griffinLim.SpectralConvergence(target, griffinLim.FromMagnitude(target, 0));
        double few = griffinLim.SpectralConvergence(target, griffinLim.FromMagnitude(target, 4));
        double many = griffinLim.SpectralConvergence(target, griffinLim.FromMagnitude(target, 48));
        Assert.True(few < random, $"4 iterations {few} vs random phase {random}");
        Assert.True(many < few, $"48 iterations {many} vs 4 {few}");
        Assert.True(many < 0.5 * random, $"48 iterations {many} vs random phase {random}");
    }

    [Fact]
    public void Synthesis_from_log_mel_returns_frames_minus_one_hops_of_audio()
    {
        using var scope = NewDisposeScope();
        using var griffinLim = new GriffinLim(Mel, iterations: 2);
        Assert.Equal(new long[] { 9 * 200 }, griffinLim.Synthesize(randn(80, 10) - 4).shape);
        Assert.Equal(new long[] { 2, 9 * 200 }, griffinLim.Synthesize(randn(2, 80, 10) - 4).shape);
        Assert.Throws<ArgumentException>(() => griffinLim.Synthesize(randn(64, 10)));
    }
}
