using Media.Audio.Metrics;

namespace Media.Services.Audio.Speech;

/// <summary>
/// The mel features every speech model here shares. 16 kHz (espeak-ng's voices carry nothing above
/// 8 kHz that matters, and a third fewer samples than 24 kHz keeps CPU training short), hop 200
/// (80 mel frames per second, so 4x downsampling gives 20 Hz latents), an 800-point Hann STFT
/// (4x overlap, which the iSTFT vocoder inverts), 80 Slaney bands 0-8 kHz, natural log of the
/// magnitude mel floored at 1e-5. Models see <c>(logmel - NormMean) / NormScale</c>.
/// </summary>
public sealed record SpeechMelConfig
{
    /// <summary>Sample rate, Hz.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>FFT size; also the vocoder's iSTFT size.</summary>
    public int FftSize { get; init; } = 800;

    /// <summary>Samples between mel frames.</summary>
    public int HopLength { get; init; } = 200;

    /// <summary>Hann window length.</summary>
    public int WindowLength { get; init; } = 800;

    /// <summary>Mel bands.</summary>
    public int MelBands { get; init; } = 80;

    /// <summary>Floor before the log.</summary>
    public double LogFloor { get; init; } = 1e-5;

    /// <summary>Subtracted from the log-mel before a model sees it.</summary>
    public double NormMean { get; init; } = -5.0;

    /// <summary>The log-mel is divided by this after the mean is removed.</summary>
    public double NormScale { get; init; } = 2.5;

    /// <summary>Mel frames per second.</summary>
    public double FrameRate => (double)SampleRate / HopLength;

    /// <summary>The shared front end's options for these features.</summary>
    public MelSpectrogramOptions ToOptions() => new()
    {
        SampleRate = SampleRate, FftSize = FftSize, HopLength = HopLength, WindowLength = WindowLength,
        MelBands = MelBands, LogFloor = LogFloor, Power = 1, Center = true, Scale = MelScale.Slaney,
    };

    /// <summary>Throws <see cref="ArgumentException"/> when the values cannot describe features.</summary>
    public void Validate()
    {
        ToOptions().Validate();
        if (FftSize != WindowLength) throw new ArgumentException($"The iSTFT vocoder needs window length == FFT size; got {WindowLength} and {FftSize}.");
        if (NormScale <= 0) throw new ArgumentException($"NormScale must be positive; got {NormScale}.");
    }
}
