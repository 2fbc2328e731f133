namespace Media.Audio.Metrics;

/// <summary>
/// Parameters of a log-mel spectrogram. Defaults follow the HiFi-GAN / Vocos convention: 1024-point
/// Hann STFT, hop 256, 80 Slaney mel bands from 0 Hz to Nyquist, magnitude (power 1), centred frames
/// with reflect padding, natural log of max(mel, 1e-5).
/// </summary>
public sealed record MelSpectrogramOptions
{
    /// <summary>Sample rate of the input, Hz.</summary>
    public required int SampleRate { get; init; }

    /// <summary>FFT size (bins = FftSize / 2 + 1).</summary>
    public int FftSize { get; init; } = 1024;

    /// <summary>Samples between frames.</summary>
    public int HopLength { get; init; } = 256;

    /// <summary>Hann window length (at most <see cref="FftSize"/>).</summary>
    public int WindowLength { get; init; } = 1024;

    /// <summary>Number of mel bands.</summary>
    public int MelBands { get; init; } = 80;

    /// <summary>Lowest filter edge, Hz.</summary>
    public double FMin { get; init; }

    /// <summary>Highest filter edge, Hz; null means Nyquist.</summary>
    public double? FMax { get; init; }

    /// <summary>Mel scale and filter normalisation.</summary>
    public MelScale Scale { get; init; } = MelScale.Slaney;

    /// <summary>Exponent of the magnitude before the filterbank: 1 magnitude, 2 power.</summary>
    public double Power { get; init; } = 1;

    /// <summary>Floor applied before the log, so silence gives log(floor) rather than -infinity.</summary>
    public double LogFloor { get; init; } = 1e-5;

    /// <summary>Frames centred on t * hop (input reflect-padded by FftSize / 2 each side).</summary>
    public bool Center { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> when the parameters do not describe a valid spectrogram.</summary>
    public void Validate()
    {
        if (SampleRate <= 0) throw new ArgumentException($"Sample rate must be positive; got {SampleRate}.");
        if (FftSize < 2 || HopLength <= 0 || WindowLength <= 0 || WindowLength > FftSize)
            throw new ArgumentException($"Need FFT size >= 2, hop > 0, 0 < window <= FFT size; got {FftSize}/{HopLength}/{WindowLength}.");
        if (MelBands <= 0) throw new ArgumentException($"Mel bands must be positive; got {MelBands}.");
        if (Power <= 0) throw new ArgumentException($"Power must be positive; got {Power}.");
        if (LogFloor <= 0) throw new ArgumentException($"Log floor must be positive; got {LogFloor}.");
    }
}
