namespace Media.Tokenizers.Audio.Training;

/// <summary>
/// Weights of the codec's training losses. No adversarial term: on a CPU budget the codec is trained on
/// reconstruction alone, so the time-domain term is heavier than EnCodec's 0.1 to keep the waveform
/// (and SI-SNR) in phase, while the spectral terms carry the perceptual shape.
/// </summary>
public sealed record CodecLossWeights
{
    /// <summary>Mean absolute sample error.</summary>
    public double Time { get; init; } = 5;

    /// <summary>
    /// Mean squared sample error. From a random decoder (output near zero) the absolute error is flat: its gradient is
    /// the sign of the audio, which averages out, and a probe clip stayed at the silent output's error for 150 steps
    /// where the squared error fell nine-fold (model card, "Runs of 2026-11-28"). The autoencoder warm-up uses it.
    /// </summary>
    public double SquaredTime { get; init; }

    /// <summary>Multi-resolution STFT distance (spectral convergence + log magnitude).</summary>
    public double Stft { get; init; } = 1;

    /// <summary>Mean absolute log-mel difference.</summary>
    public double Mel { get; init; } = 1;

    /// <summary>Commitment of the encoder's latents to their codes (EnCodec: 1).</summary>
    public double Commitment { get; init; } = 1;
}
