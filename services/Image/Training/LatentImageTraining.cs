using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a latent-image run (MAR, the latent DiT) beyond the trainer schedule.</summary>
/// <typeparam name="TConfig">The model's architecture.</typeparam>
public abstract record LatentImageTrainingOptions<TConfig> where TConfig : ILatentImageConfig
{
    /// <summary>The architecture (its VAE fields must match the VAE).</summary>
    public required TConfig Config { get; init; }

    /// <summary>Training scenes encoded once (the cache in the run folder).</summary>
    public int Samples { get; init; } = 20000;

    /// <summary>Scenes per micro-batch.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Seed of the procedural scenes.</summary>
    public ulong DataSeed { get; init; }
}

/// <summary>
/// What the latent-image recipes (<see cref="MarTraining"/>, <see cref="LdmTraining"/>) share: the procedural scenes' KL-VAE
/// latents cached once in the run folder (<see cref="MarLatentDataset"/>, a fresh posterior sample per step), the caption
/// conditioning, the model seeded by the run's seed, the shared trainer, and the export of the EMA weights. A recipe gives
/// its model, its loss and its model folder.
/// </summary>
/// <typeparam name="TConfig">The model's architecture.</typeparam>
/// <typeparam name="TModel">The model trained.</typeparam>
public abstract class LatentImageTraining<TConfig, TModel> : IDisposable where TConfig : ILatentImageConfig where TModel : nn.Module
{
    readonly MarLatentDataset data;
    readonly Trainer<MarTrainingBatch> trainer;

    /// <summary>
    /// Prepares (or resumes) the run in <paramref name="trainerOptions"/>, encoding the scenes with <paramref name="vae"/> when not cached;
    /// <paramref name="modelName"/> names the model in a VAE mismatch, <paramref name="captions"/> and <paramref name="createModel"/> build the conditioning and the model.
    /// </summary>
    private protected LatentImageTraining(string modelName, LatentImageTrainingOptions<TConfig> options, TrainerOptions trainerOptions, AutoencoderKl vae,
        string vaeSha256, Func<TConfig, MarCaptions> captions, Func<TConfig, MarCaptions, TModel> createModel, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        ArgumentNullException.ThrowIfNull(vae);
        var config = options.Config;
        if (config.VaeEmbedDim != vae.Config.EmbedDim || config.VaeStride != vae.Config.DownsampleFactor)
            throw new ArgumentException($"{modelName} expects {config.VaeEmbedDim} latent channels at stride {config.VaeStride}; the VAE gives {vae.Config.EmbedDim} at {vae.Config.DownsampleFactor}.");
        Captions = captions(config);
        data = MarLatentDataset.LoadOrBuild(Path.Combine(trainerOptions.RunDirectory, "latents.safetensors"), options.Samples,
            new CaptionedImageGenerator(config.ImgSize, options.DataSeed), vae, vaeSha256, Captions, options.Batch);
        manual_seed(trainerOptions.Seed);
        Model = createModel(config, Captions);
        Model.to(device);
        trainer = new Trainer<MarTrainingBatch>(Model, data.Batch, Loss, trainerOptions, b => b.Latents.shape[0]);
    }

    /// <summary>The caption conditioning.</summary>
    public MarCaptions Captions { get; }

    /// <summary>The model being trained.</summary>
    public TModel Model { get; }

    /// <summary>The trainer (step, resume point, EMA).</summary>
    public Trainer<MarTrainingBatch> Trainer => trainer;

    /// <summary>The loss of one batch; whatever it draws comes from the batch position, so a resumed run repeats it.</summary>
    protected abstract Tensor Loss(MarTrainingBatch batch);

    /// <summary>Writes <see cref="Model"/> (EMA weights swapped in when kept) as the recipe's model folder.</summary>
    protected abstract void Save(string directory, IReadOnlyDictionary<string, string>? metadata);

    /// <summary>Trains until <paramref name="stopAfterStep"/> (or the end of the schedule).</summary>
    public void Run(long stopAfterStep, CancellationToken cancellationToken = default) => trainer.RunUntil(stopAfterStep, cancellationToken);

    /// <summary>Saves the EMA (when kept) weights as our model folder.</summary>
    public void Export(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using (trainer.Ema?.SwapIn()) Save(directory, metadata);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        trainer.Dispose();
        Model.Dispose();
        data.Dispose();
        GC.SuppressFinalize(this);
    }
}
