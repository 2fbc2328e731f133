using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>
/// A generator and its discriminator as one module for the <see cref="Trainer{TBatch}"/>: one optimizer over both (GAN
/// recipes such as VQGAN's and EnCodec's give the two the same AdamW settings) and one resumable checkpoint whose keys
/// are <c>{generatorName}.*</c> and <c>discriminator.*</c>. Clip the two apart with <see cref="ClipGroups"/>. Only the
/// generator is meant for export; the discriminator exists for training.
/// </summary>
public sealed class AdversarialPair : nn.Module
{
    /// <summary>Pairs <paramref name="generator"/>, registered as <paramref name="generatorName"/>, with <paramref name="discriminator"/>.</summary>
    public AdversarialPair(string generatorName, nn.Module generator, nn.Module discriminator) : base(nameof(AdversarialPair))
    {
        ArgumentException.ThrowIfNullOrEmpty(generatorName);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(discriminator);
        if (generatorName == "discriminator") throw new ArgumentException("The generator needs a name of its own.", nameof(generatorName));
        register_module(generatorName, generator);
        register_module("discriminator", discriminator);
        ClipGroups = [generatorName + ".", "discriminator."];
    }

    /// <summary>The two networks' parameter prefixes, for <see cref="TrainerOptions.ClipGroups"/>.</summary>
    public IReadOnlyList<string> ClipGroups { get; }
}
