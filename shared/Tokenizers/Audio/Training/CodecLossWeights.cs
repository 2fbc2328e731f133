namespace Media.Tokenizers.Audio.Training;

/// <summary>
/// Weights of the codec's training losses. Reconstruction steps sum weighted losses: the time-domain term is heavier
/// than EnCodec's 0.1 to keep the waveform (and SI-SNR) in phase, while the spectral terms carry the perceptual shape.
/// Adversarial steps hand t, f, g and feat to the loss balancer with the <c>Balanced*</c> shares (EnCodec's 0.1, 1, 3, 3).
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

    /// <summary>Adversarial steps: the time-domain L1's share of the balanced gradient (EnCodec: 0.1).</summary>
    public double BalancedTime { get; init; } = 0.1;

    /// <summary>Adversarial steps: the frequency terms' (STFT + mel) share of the balanced gradient (EnCodec: 1).</summary>
    public double BalancedFrequency { get; init; } = 1;

    /// <summary>Adversarial steps: the generator hinge's share of the balanced gradient (EnCodec: 3).</summary>
    public double BalancedGenerator { get; init; } = 3;

    /// <summary>Adversarial steps: the feature matching's share of the balanced gradient (EnCodec: 3).</summary>
    public double BalancedFeatures { get; init; } = 3;
}
