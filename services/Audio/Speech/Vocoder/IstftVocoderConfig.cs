namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>Sizes of the iSTFT vocoder; stored as <c>config.json</c> next to its weights.</summary>
public sealed record IstftVocoderConfig
{
    /// <summary>The mel features it inverts; its iSTFT uses the same FFT size, hop and window.</summary>
    public SpeechMelConfig Mel { get; init; } = new();

    /// <summary>Backbone width.</summary>
    public int Channels { get; init; } = 96;

    /// <summary>MLP width inside each ConvNeXt block.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>ConvNeXt blocks.</summary>
    public int Blocks { get; init; } = 4;

    /// <summary>Depthwise kernel (odd; the look-ahead grows with it).</summary>
    public int Kernel { get; init; } = 5;

    /// <summary>Kernel of the input conv.</summary>
    public int EmbedKernel { get; init; } = 5;

    /// <summary>Frames of context each side that one output frame depends on: the streaming look-ahead.</summary>
    public int ReceptiveField => EmbedKernel / 2 + Blocks * (Kernel / 2);

    /// <summary>Throws <see cref="ArgumentException"/> on sizes that cannot build a model.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Mel);
        Mel.Validate();
        if (Channels <= 0 || Hidden <= 0 || Blocks < 0) throw new ArgumentException($"Need positive widths and a non-negative block count; got {Channels}/{Hidden}/{Blocks}.");
        if (Kernel < 1 || Kernel % 2 == 0 || EmbedKernel < 1 || EmbedKernel % 2 == 0)
            throw new ArgumentException($"Kernels must be odd and positive; got {Kernel} and {EmbedKernel}.");
    }
}
