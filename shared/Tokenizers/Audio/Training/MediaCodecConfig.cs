using Media.Tokenizers.Audio.Encodec;

namespace Media.Tokenizers.Audio.Training;

/// <summary>Our codec's architecture: EnCodec at 16 kHz with a quarter of the widths.</summary>
public static class MediaCodecConfig
{
    /// <summary>
    /// 16 kHz mono; 16 filters (256 channels at the LSTM), ratios 8·5·4·2 = hop 320, so 50 frames per
    /// second; 64-dim latents; 12 codebooks of 1024 at 0.5 kbps each: 1.5 / 3 / 6 kbps = 3 / 6 / 12 codebooks.
    /// </summary>
    public static EncodecConfig Default { get; } = new()
    {
        SamplingRate = 16_000,
        NumFilters = 16,
        UpsamplingRatios = [8, 5, 4, 2],
        HiddenSize = 64,
        NumLstmLayers = 2,
        CodebookSize = 1024,
        TargetBandwidths = [1.5, 3, 6],
    };
}
