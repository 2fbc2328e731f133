using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a MAR run beyond the trainer schedule.</summary>
public sealed record MarTrainingOptions
{
    /// <summary>The architecture (its VAE fields must match the VAE).</summary>
    public required MarConfig Config { get; init; }

    /// <summary>Training scenes encoded once (the cache in the run folder).</summary>
    public int Samples { get; init; } = 20000;

    /// <summary>Scenes per micro-batch.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Seed of the procedural scenes.</summary>
    public ulong DataSeed { get; init; }
}

/// <summary>
/// MAR's training recipe on procedural 64x64 scenes: scenes encoded once by the KL autoencoder
/// (<see cref="MarLatentDataset"/>), then per step a fresh posterior sample, a random order and mask
/// ratio, condition dropout, and the per-token diffusion loss (<see cref="MarModel.Loss"/>); AdamW as the
/// shared trainer runs it, EMA weights kept (MAR samples with EMA).
/// </summary>
public sealed class MarTraining : IDisposable
{
    readonly MarLatentDataset data;
    readonly Trainer<MarTrainingBatch> trainer;

    /// <summary>Prepares (or resumes) the run in <paramref name="trainerOptions"/>, encoding the scenes with <paramref name="vae"/> when not cached.</summary>
    public MarTraining(MarTrainingOptions options, TrainerOptions trainerOptions, AutoencoderKl vae, string vaeSha256, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        ArgumentNullException.ThrowIfNull(vae);
        var config = options.Config;
        if (config.VaeEmbedDim != vae.Config.EmbedDim || config.VaeStride != vae.Config.DownsampleFactor)
            throw new ArgumentException($"The MAR config expects {config.VaeEmbedDim} latent channels at stride {config.VaeStride}; the VAE gives {vae.Config.EmbedDim} at {vae.Config.DownsampleFactor}.");
        Captions = new MarCaptions(config);
        data = MarLatentDataset.LoadOrBuild(Path.Combine(trainerOptions.RunDirectory, "latents.safetensors"), options.Samples,
            new CaptionedImageGenerator(config.ImgSize, options.DataSeed), vae, vaeSha256, Captions, options.Batch);
        manual_seed(trainerOptions.Seed);
        Model = new MarModel(config, Captions.Vocabulary.VocabularySize);
        Model.to(device);
        trainer = new Trainer<MarTrainingBatch>(Model, data.Batch, Loss, trainerOptions, b => b.Latents.shape[0]);
    }

    /// <summary>The caption conditioning.</summary>
    public MarCaptions Captions { get; }

    /// <summary>The model being trained.</summary>
    public MarModel Model { get; }

    /// <summary>The trainer (step, resume point, EMA).</summary>
    public Trainer<MarTrainingBatch> Trainer => trainer;

    Tensor Loss(MarTrainingBatch batch)
    {
        // Orders, mask ratio and dropout from the batch position, so a resumed run repeats them.
        var random = new Random((int)((batch.Position.DerivedSeed >> 17) & int.MaxValue));
        using var generator = new Generator(batch.Position.DerivedSeed ^ 0x9E3779B97F4A7C15UL, CPU);
        return Model.Loss(batch.Latents, batch.Condition, random, generator);
    }

    /// <summary>Trains until <paramref name="stopAfterStep"/> (or the end of the schedule).</summary>
    public void Run(long stopAfterStep, CancellationToken cancellationToken = default) => trainer.RunUntil(stopAfterStep, cancellationToken);

    /// <summary>Saves the EMA (when kept) weights as our model folder.</summary>
    public void Export(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using (trainer.Ema?.SwapIn()) MarCheckpoint.Save(Model, directory, metadata);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        trainer.Dispose();
        Model.Dispose();
        data.Dispose();
    }
}
