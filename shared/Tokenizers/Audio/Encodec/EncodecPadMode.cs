namespace Media.Tokenizers.Audio.Encodec;

/// <summary>How a causal convolution fills its left context at the start of the signal.</summary>
public enum EncodecPadMode
{
    /// <summary>Mirror the first samples (EnCodec's default).</summary>
    Reflect,

    /// <summary>Zeros.</summary>
    Constant,
}
