namespace Media.Services.Audio.Speech.Latents;

/// <summary>Sizes of the mel autoencoder; stored as <c>config.json</c> next to its weights.</summary>
public sealed record MelVaeConfig
{
    /// <summary>The mel features it encodes.</summary>
    public SpeechMelConfig Mel { get; init; } = new();

    /// <summary>Channels per latent vector.</summary>
    public int LatentDim { get; init; } = 16;

    /// <summary>Width of the convolutional stacks.</summary>
    public int Channels { get; init; } = 64;

    /// <summary>MLP width inside each ConvNeXt block.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Depthwise kernel of every block.</summary>
    public int Kernel { get; init; } = 5;

    /// <summary>Encoder blocks at the mel rate, after each 2x reduction, and at the latent rate.</summary>
    public int EncoderBlocks { get; init; } = 1;

    /// <summary>Decoder blocks at the latent rate (before upsampling).</summary>
    public int DecoderLatentBlocks { get; init; } = 2;

    /// <summary>Decoder blocks at the mel rate (after upsampling).</summary>
    public int DecoderMelBlocks { get; init; } = 2;

    /// <summary>Weight of the KL term against the L1 reconstruction (both means over elements).</summary>
    public double KlWeight { get; init; } = 1e-3;

    /// <summary>Mel frames per latent vector (two stride-2 reductions).</summary>
    public const int Downsampling = 4;

    /// <summary>Latent vectors per second.</summary>
    public double LatentRate => Mel.FrameRate / Downsampling;

    /// <summary>Throws <see cref="ArgumentException"/> on sizes that cannot build a model.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Mel);
        Mel.Validate();
        if (LatentDim <= 0 || Channels <= 0 || Hidden <= 0) throw new ArgumentException($"Widths must be positive; got latent {LatentDim}, channels {Channels}, hidden {Hidden}.");
        if (Kernel < 1 || Kernel % 2 == 0) throw new ArgumentException($"Kernel must be odd and positive; got {Kernel}.");
        if (EncoderBlocks < 0 || DecoderLatentBlocks < 0 || DecoderMelBlocks < 0) throw new ArgumentException("Block counts cannot be negative.");
        if (KlWeight < 0) throw new ArgumentException($"KlWeight cannot be negative; got {KlWeight}.");
    }
}
