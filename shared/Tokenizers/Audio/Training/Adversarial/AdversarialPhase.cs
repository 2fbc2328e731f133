namespace Media.Tokenizers.Audio.Training.Adversarial;

/// <summary>What a codec training step does with the discriminator.</summary>
public enum AdversarialPhase
{
    /// <summary>Reconstruction losses only; no discriminator.</summary>
    None,

    /// <summary>
    /// The codec trains on its reconstruction losses while the discriminator learns to tell its output from the real audio:
    /// a fine-tune from a trained codec starts so, because a random discriminator's gradients would only damage the codec.
    /// </summary>
    DiscriminatorOnly,

    /// <summary>EnCodec's step: t, f, g and feat through the loss balancer, and the discriminator on its hinge loss.</summary>
    Full,
}
