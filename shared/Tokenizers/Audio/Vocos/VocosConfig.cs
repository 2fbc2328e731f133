using System.Text.Json.Serialization;
using Media.Modeling.Checkpoints;

namespace Media.Tokenizers.Audio.Vocos;

/// <summary>
/// Sizes of a Vocos decoder over a codec's quantized latents (Siuzdak 2023, <c>vocos-encodec-24khz</c>: 128 inputs, dim 384,
/// intermediate 1152, 8 layers, 4 bandwidth embeddings, n_fft 1280, hop 320), named as its <c>config.yaml</c> names them.
/// Written as <c>vocos.json</c> beside the codec it decodes for.
/// </summary>
public sealed record VocosConfig
{
    /// <summary>Channels of the codec latents it reads (EnCodec's hidden size).</summary>
    public int InputChannels { get; init; } = 64;

    /// <summary>Backbone width.</summary>
    public int Dim { get; init; } = 256;

    /// <summary>MLP width inside each ConvNeXt block.</summary>
    public int IntermediateDim { get; init; } = 768;

    /// <summary>ConvNeXt blocks.</summary>
    public int NumLayers { get; init; } = 8;

    /// <summary>Depthwise kernel of each block and of the input conv (Vocos: 7).</summary>
    public int Kernel { get; init; } = 7;

    /// <summary>
    /// The codebook count each condition id stands for (the AdaLayerNorm's rows): ours 1..12 (every count decodes); the
    /// public 24 kHz model's 2, 4, 8, 16 (1.5, 3, 6, 12 kbps).
    /// </summary>
    public IReadOnlyList<int> ConditionCodebooks { get; init; } = [.. Enumerable.Range(1, 12)];

    /// <summary>FFT size of the inverse transform (Vocos: four hops).</summary>
    public int NFft { get; init; } = 1280;

    /// <summary>Samples per frame: the codec's hop.</summary>
    public int HopLength { get; init; } = 320;

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; init; } = 16_000;

    /// <summary>
    /// True when the codec's encoder and codebooks were trained together with this decoder: EnCodec's own decoder in the folder
    /// was not trained on these codes, so only this one may decode them.
    /// </summary>
    public bool ReplacesDecoder { get; init; }

    /// <summary>Frequency bins of the spectrum the head predicts.</summary>
    [JsonIgnore]
    public int Bins => NFft / 2 + 1;

    /// <summary>Frames of context each side one output frame depends on: the streaming look-ahead.</summary>
    [JsonIgnore]
    public int ReceptiveField => (NumLayers + 1) * (Kernel / 2);

    /// <summary>The condition id of <paramref name="codebooks"/> codebooks: the row of the largest count not above it.</summary>
    public int ConditionFor(int codebooks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(codebooks, 1);
        int best = -1;
        for (int i = 0; i < ConditionCodebooks.Count; i++)
            if (ConditionCodebooks[i] <= codebooks && (best < 0 || ConditionCodebooks[i] > ConditionCodebooks[best])) best = i;
        if (best < 0) throw new ArgumentException($"This decoder was trained for {string.Join(", ", ConditionCodebooks)} codebooks; {codebooks} is fewer than any.", nameof(codebooks));
        return best;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="parameter"/> unless this decoder reads <paramref name="codec"/>'s latents: its width, hop and rate, mono.</summary>
    public void CheckReads(Media.Tokenizers.Audio.Encodec.EncodecConfig codec, string parameter)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (InputChannels != codec.HiddenSize || HopLength != codec.HopLength || SampleRate != codec.SamplingRate || codec.AudioChannels != 1)
            throw new ArgumentException($"The Vocos decoder reads {InputChannels} channels at hop {HopLength} and {SampleRate} Hz (mono); "
                + $"the codec gives {codec.HiddenSize} at hop {codec.HopLength} and {codec.SamplingRate} Hz, {codec.AudioChannels} channel(s).", parameter);
    }

    /// <summary>Throws <see cref="ArgumentException"/> on sizes that cannot build a decoder.</summary>
    public void Validate()
    {
        if (InputChannels < 1 || Dim < 1 || IntermediateDim < 1 || NumLayers < 0)
            throw new ArgumentException($"Need positive widths and a non-negative layer count; got {InputChannels}/{Dim}/{IntermediateDim}/{NumLayers}.");
        if (Kernel < 1 || Kernel % 2 == 0) throw new ArgumentException($"The kernel must be odd and positive; got {Kernel}.");
        if (ConditionCodebooks is not { Count: > 0 } || ConditionCodebooks.Any(c => c < 1) || ConditionCodebooks.Distinct().Count() != ConditionCodebooks.Count)
            throw new ArgumentException("condition_codebooks must be distinct positive codebook counts.");
        if (HopLength < 1 || NFft < HopLength || (NFft - HopLength) % 2 != 0)
            throw new ArgumentException($"n_fft ({NFft}) must be at least the hop ({HopLength}) and differ from it by an even number (Vocos' \"same\" padding).");
        if (SampleRate < 1) throw new ArgumentException("The sample rate must be positive.");
    }

    /// <summary>Reads <c>vocos.json</c> and validates it.</summary>
    public static VocosConfig Load(string path) => ModelConfigJson.Read<VocosConfig>(path, "Vocos", c => c.Validate());

    /// <summary>The config as <c>vocos.json</c> text.</summary>
    public string ToJson() => ModelConfigJson.Write(this);
}
