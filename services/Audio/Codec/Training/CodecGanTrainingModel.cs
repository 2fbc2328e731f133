using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training.Adversarial;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Codec.Training;

/// <summary>
/// The codec and its MS-STFT discriminator as one module for the trainer: one optimizer over both (EnCodec gives both the
/// same Adam settings) and one resumable checkpoint (<c>codec.*</c>, <c>discriminator.*</c>). Only the codec is exported.
/// </summary>
public sealed class CodecGanTrainingModel : nn.Module
{
    readonly EncodecModel codec;
    readonly MultiScaleStftDiscriminator discriminator;

    /// <summary>Pairs <paramref name="model"/> with <paramref name="critic"/>.</summary>
    public CodecGanTrainingModel(EncodecModel model, MultiScaleStftDiscriminator critic) : base(nameof(CodecGanTrainingModel))
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(critic);
        codec = model;
        discriminator = critic;
        RegisterComponents();
    }
}
