using Media.Modeling.Training;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a MAR run beyond the trainer schedule.</summary>
public sealed record MarTrainingOptions : LatentImageTrainingOptions<MarConfig>;

/// <summary>
/// MAR's training recipe on procedural 64x64 scenes: scenes encoded once by the KL autoencoder
/// (<see cref="MarLatentDataset"/>), then per step a fresh posterior sample, a random order and mask
/// ratio, condition dropout, and the per-token diffusion loss (<see cref="MarModel.Loss"/>); AdamW as the
/// shared trainer runs it, EMA weights kept (MAR samples with EMA).
/// </summary>
public sealed class MarTraining : LatentImageTraining<MarConfig, MarModel>
{
    /// <summary>Prepares (or resumes) the run in <paramref name="trainerOptions"/>, encoding the scenes with <paramref name="vae"/> when not cached.</summary>
    public MarTraining(MarTrainingOptions options, TrainerOptions trainerOptions, AutoencoderKl vae, string vaeSha256, Device device)
        : base("The MAR config", options, trainerOptions, vae, vaeSha256, config => new MarCaptions(config),
            (config, captions) => new MarModel(config, captions.Vocabulary.VocabularySize), device)
    {
    }

    /// <inheritdoc />
    protected override Tensor Loss(MarTrainingBatch batch)
    {
        // Orders, mask ratio and dropout from the batch position, so a resumed run repeats them.
        var random = new Random((int)((batch.Position.DerivedSeed >> 17) & int.MaxValue));
        using var generator = new Generator(batch.Position.DerivedSeed ^ 0x9E3779B97F4A7C15UL, CPU);
        return Model.Loss(batch.Latents, batch.Condition, random, generator);
    }

    /// <inheritdoc />
    protected override void Save(string directory, IReadOnlyDictionary<string, string>? metadata) => MarCheckpoint.Save(Model, directory, metadata);
}
