using Media.Tokenizers.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training.Adversarial;

/// <summary>
/// The tokenizer and its discriminator as one module for the trainer: one optimizer over both (the same AdamW settings,
/// as LlamaGen gives its two optimizers) and one resumable checkpoint (<c>vq.*</c>, <c>discriminator.*</c>). Only the
/// tokenizer is exported; the discriminator exists for training.
/// </summary>
public sealed class VqGanTrainingModel : nn.Module
{
    readonly VqModel vq;
    readonly PatchDiscriminator discriminator;

    /// <summary>Pairs <paramref name="tokenizer"/> with <paramref name="critic"/>.</summary>
    public VqGanTrainingModel(VqModel tokenizer, PatchDiscriminator critic) : base(nameof(VqGanTrainingModel))
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(critic);
        vq = tokenizer;
        discriminator = critic;
        RegisterComponents();
    }
}
