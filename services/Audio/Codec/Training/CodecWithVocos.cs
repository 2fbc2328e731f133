using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Vocos;
using static TorchSharp.torch;

namespace Media.Services.Audio.Codec.Training;

/// <summary>
/// A codec trained with a Vocos decoder, as one module for the trainer: <c>encodec.*</c> (encoder and codebooks; EnCodec's
/// own decoder frozen, since Vocos decodes in its place) and <c>vocos.*</c>, one optimizer and one resumable checkpoint.
/// </summary>
public sealed class CodecWithVocos : nn.Module
{
    /// <summary>Registers <paramref name="codec"/> and <paramref name="vocos"/> and freezes the codec's decoder.</summary>
    public CodecWithVocos(EncodecModel codec, VocosDecoder vocos) : base(nameof(CodecWithVocos))
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(vocos);
        register_module("encodec", codec);
        register_module("vocos", vocos);
        foreach (var (name, parameter) in codec.named_parameters())
            if (name.StartsWith("decoder.", StringComparison.Ordinal)) parameter.requires_grad = false;
    }
}
