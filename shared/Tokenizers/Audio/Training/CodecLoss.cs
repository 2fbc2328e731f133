namespace Media.Tokenizers.Audio.Training;

/// <summary>
/// One training step's loss and its parts (the parts are plain numbers for the log). With the adversarial terms on,
/// <see cref="Total"/> is the balancer's surrogate (see <see cref="Media.Modeling.Training.LossBalancer"/>), and the
/// generator's hinge, the feature matching and the discriminator's hinge are given too.
/// </summary>
public sealed record CodecLoss(TorchSharp.torch.Tensor Total, double Time, double Stft, double Mel, double Commitment, int Codebooks, int RestartedCodes)
{
    /// <summary>What the step did with the discriminator.</summary>
    public Adversarial.AdversarialPhase Phase { get; init; }

    /// <summary>The generator's hinge loss over the discriminator's scales, when adversarial (only logged while the discriminator warms up).</summary>
    public double? Generator { get; init; }

    /// <summary>The relative feature-matching loss, when adversarial.</summary>
    public double? FeatureMatching { get; init; }

    /// <summary>The discriminator's hinge loss, when adversarial.</summary>
    public double? Discriminator { get; init; }
}
