using System.Text.Json;
using System.Text.Json.Serialization;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// The EnCodec architecture's hyper-parameters, named as in Hugging Face's <c>EncodecConfig</c> so a
/// public <c>config.json</c> reads directly. The defaults are <c>facebook/encodec_24khz</c>; a smaller
/// codec (fewer filters, fewer codebooks, 16 kHz) is the same record with other values.
/// </summary>
public sealed record EncodecConfig
{
    /// <summary>Samples per second of the audio the codec encodes.</summary>
    [JsonPropertyName("sampling_rate")] public int SamplingRate { get; init; } = 24_000;

    /// <summary>Channels of the audio (1 = mono).</summary>
    [JsonPropertyName("audio_channels")] public int AudioChannels { get; init; } = 1;

    /// <summary>Width of the first SEANet level; it doubles at every downsampling.</summary>
    [JsonPropertyName("num_filters")] public int NumFilters { get; init; } = 32;

    /// <summary>Decoder upsampling ratios; the encoder uses them reversed. Their product is the hop.</summary>
    [JsonPropertyName("upsampling_ratios")] public IReadOnlyList<int> UpsamplingRatios { get; init; } = [8, 5, 4, 2];

    /// <summary>Latent dimension (the encoder's output channels and the codebook vectors' size).</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 128;

    /// <summary>Layers of the LSTM between the convolutional stack and the latent.</summary>
    [JsonPropertyName("num_lstm_layers")] public int NumLstmLayers { get; init; } = 2;

    /// <summary>Residual blocks per level.</summary>
    [JsonPropertyName("num_residual_layers")] public int NumResidualLayers { get; init; } = 1;

    /// <summary>Residual block j of a level uses dilation growth^j in its first convolution.</summary>
    [JsonPropertyName("dilation_growth_rate")] public int DilationGrowthRate { get; init; } = 2;

    /// <summary>Kernel of the first convolution in a residual block (the second is 1).</summary>
    [JsonPropertyName("residual_kernel_size")] public int ResidualKernelSize { get; init; } = 3;

    /// <summary>A residual block's hidden width is its width divided by this.</summary>
    [JsonPropertyName("compress")] public int Compress { get; init; } = 2;

    /// <summary>Kernel of the first convolution (encoder and decoder).</summary>
    [JsonPropertyName("kernel_size")] public int KernelSize { get; init; } = 7;

    /// <summary>Kernel of the last convolution (encoder and decoder).</summary>
    [JsonPropertyName("last_kernel_size")] public int LastKernelSize { get; init; } = 7;

    /// <summary><c>reflect</c> or <c>constant</c> (zeros): how causal convolutions pad on the left.</summary>
    [JsonPropertyName("pad_mode")] public string PadMode { get; init; } = "reflect";

    /// <summary>True: residual shortcuts are 1x1 convolutions; false: identity.</summary>
    [JsonPropertyName("use_conv_shortcut")] public bool UseConvShortcut { get; init; } = true;

    /// <summary>Must be true: only the causal (streamable) EnCodec is built.</summary>
    [JsonPropertyName("use_causal_conv")] public bool UseCausalConv { get; init; } = true;

    /// <summary>Must be <c>weight_norm</c> (folded into plain weights on load).</summary>
    [JsonPropertyName("norm_type")] public string NormType { get; init; } = "weight_norm";

    /// <summary>Must be 1: transposed convolutions trim all of their padding on the right (causal).</summary>
    [JsonPropertyName("trim_right_ratio")] public double TrimRightRatio { get; init; } = 1.0;

    /// <summary>Must be false: no loudness normalisation (as at 24 kHz).</summary>
    [JsonPropertyName("normalize")] public bool Normalize { get; init; }

    /// <summary>Must be null: audio is encoded as one sequence, not overlapping chunks.</summary>
    [JsonPropertyName("chunk_length_s")] public double? ChunkLengthSeconds { get; init; }

    /// <summary>Entries per codebook.</summary>
    [JsonPropertyName("codebook_size")] public int CodebookSize { get; init; } = 1024;

    /// <summary>Codebook vector size; null means <see cref="HiddenSize"/> (no projection exists).</summary>
    [JsonPropertyName("codebook_dim")] public int? CodebookDim { get; init; }

    /// <summary>Supported bandwidths in kbps; the largest fixes the number of codebooks.</summary>
    [JsonPropertyName("target_bandwidths")] public IReadOnlyList<double> TargetBandwidths { get; init; } = [1.5, 3, 6, 12, 24];

    /// <summary>The <c>facebook/encodec_24khz</c> configuration.</summary>
    public static EncodecConfig Encodec24kHz { get; } = new();

    /// <summary>Audio samples per latent frame: the product of the ratios (320 at 24 kHz).</summary>
    [JsonIgnore] public int HopLength => UpsamplingRatios.Aggregate(1, (a, b) => a * b);

    /// <summary>Latent frames per second, rounded up as HF does (75 at 24 kHz).</summary>
    [JsonIgnore] public int FrameRate => (SamplingRate + HopLength - 1) / HopLength;

    /// <summary>Bits one code carries: log2 of the codebook size (10 for 1024 entries).</summary>
    [JsonIgnore] public double BitsPerCode => Math.Log2(CodebookSize);

    /// <summary>kbps one codebook costs: bits per code x frame rate / 1000 (0.75 at 24 kHz).</summary>
    [JsonIgnore] public double KbpsPerCodebook => BitsPerCode * FrameRate / 1000.0;

    /// <summary>Codebooks in the residual quantizer: those the largest target bandwidth uses (32 at 24 kHz).</summary>
    [JsonIgnore] public int NumQuantizers => CodebooksFor(TargetBandwidths.Max());

    /// <summary>
    /// The number of codebooks a bandwidth uses: n = floor(kbps * 1000 / (log2(codebook size) * frame rate)),
    /// at least 1 (1.5 -> 2, 3 -> 4, 6 -> 8, 12 -> 16, 24 -> 32 at 24 kHz).
    /// </summary>
    public int CodebooksForBandwidth(double kbps)
    {
        if (!double.IsFinite(kbps) || kbps <= 0)
            throw new ArgumentOutOfRangeException(nameof(kbps), kbps, "Bandwidth must be a positive number of kbps.");
        int n = CodebooksFor(kbps);
        if (n > NumQuantizers)
            throw new ArgumentOutOfRangeException(nameof(kbps), kbps,
                $"{kbps} kbps needs {n} codebooks but this codec has {NumQuantizers} (at most {TargetBandwidths.Max()} kbps).");
        return n;
    }

    // A tiny epsilon keeps exact products such as 6 * 1000 / 750 from flooring to one below after rounding error.
    int CodebooksFor(double kbps) => Math.Max(1, (int)Math.Floor(kbps / KbpsPerCodebook + 1e-9));

    /// <summary>Throws <see cref="ArgumentException"/> naming every value this implementation cannot build.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok) problems.Add(message);
        }
        Require(SamplingRate > 0, $"sampling_rate must be positive (got {SamplingRate})");
        Require(AudioChannels > 0, $"audio_channels must be positive (got {AudioChannels})");
        Require(NumFilters > 0, $"num_filters must be positive (got {NumFilters})");
        Require(UpsamplingRatios is { Count: > 0 } && UpsamplingRatios.All(r => r > 0), "upsampling_ratios must be a non-empty list of positive integers");
        Require(HiddenSize > 0, $"hidden_size must be positive (got {HiddenSize})");
        Require(NumLstmLayers >= 0, $"num_lstm_layers must be 0 or more (got {NumLstmLayers})");
        Require(NumResidualLayers >= 0, $"num_residual_layers must be 0 or more (got {NumResidualLayers})");
        Require(DilationGrowthRate > 0, $"dilation_growth_rate must be positive (got {DilationGrowthRate})");
        Require(ResidualKernelSize > 0 && KernelSize > 0 && LastKernelSize > 0, "kernel sizes must be positive");
        Require(Compress > 0 && NumFilters % Compress == 0, $"compress ({Compress}) must divide num_filters ({NumFilters})");
        Require(PadMode is "reflect" or "constant", $"pad_mode must be 'reflect' or 'constant' (got '{PadMode}')");
        Require(UseCausalConv, "use_causal_conv must be true: only the causal, streamable EnCodec is supported");
        Require(NormType == "weight_norm", $"norm_type must be 'weight_norm' (got '{NormType}')");
        Require(TrimRightRatio == 1.0, $"trim_right_ratio must be 1.0 for a causal codec (got {TrimRightRatio})");
        Require(!Normalize, "normalize must be false: loudness normalisation is not supported");
        Require(ChunkLengthSeconds is null, "chunk_length_s must be null: chunked (overlap-add) encoding is not supported");
        Require(CodebookSize > 1, $"codebook_size must be at least 2 (got {CodebookSize})");
        Require(CodebookDim is null || CodebookDim == HiddenSize, $"codebook_dim ({CodebookDim}) must equal hidden_size ({HiddenSize}): no projection is built");
        Require(TargetBandwidths is { Count: > 0 } && TargetBandwidths.All(b => double.IsFinite(b) && b > 0), "target_bandwidths must be a non-empty list of positive numbers");
        if (problems.Count > 0)
            throw new ArgumentException("Unsupported EnCodec configuration: " + string.Join("; ", problems) + ".");
    }

    /// <summary>Reads a <c>config.json</c> (ours or HF's: unknown fields are ignored) and validates it.</summary>
    public static EncodecConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"EnCodec config '{path}' does not exist.", path);
        EncodecConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<EncodecConfig>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid EnCodec config.json ({e.Message}).", e);
        }
        if (config is null) throw new InvalidDataException($"{path}: the file holds JSON null, not an EnCodec config.");
        config.Validate();
        return config;
    }

    /// <summary>Writes the configuration as <c>config.json</c> text with HF's field names.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
