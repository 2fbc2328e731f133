using Media.Modeling.Diffusion;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a latent DiT run beyond the trainer schedule.</summary>
public sealed record LdmTrainingOptions
{
    /// <summary>The architecture (its VAE fields must match the VAE).</summary>
    public required LdmConfig Config { get; init; }

    /// <summary>Training scenes encoded once (the cache in the run folder).</summary>
    public int Samples { get; init; } = 20000;

    /// <summary>Scenes per micro-batch.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Seed of the procedural scenes.</summary>
    public ulong DataSeed { get; init; }
}

/// <summary>
/// The latent DiT's training recipe (latent diffusion as DiT trains it): the scenes' KL-VAE latents cached once
/// (<see cref="MarLatentDataset"/>, the same cache as MAR's), per step a fresh posterior sample, timesteps uniform over the
/// process, the epsilon MSE of <see cref="GaussianDiffusion.TrainingLosses"/>, and caption dropout to the empty caption
/// (all pad ids) with <see cref="LdmConfig.CaptionDropProb"/> for classifier-free guidance. AdamW with EMA weights.
/// </summary>
public sealed class LdmTraining : IDisposable
{
    readonly MarLatentDataset data;
    readonly GaussianDiffusion diffusion;
    readonly Trainer<MarTrainingBatch> trainer;

    /// <summary>Prepares (or resumes) the run in <paramref name="trainerOptions"/>, encoding the scenes with <paramref name="vae"/> when not cached.</summary>
    public LdmTraining(LdmTrainingOptions options, TrainerOptions trainerOptions, AutoencoderKl vae, string vaeSha256, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        ArgumentNullException.ThrowIfNull(vae);
        var config = options.Config;
        if (config.VaeEmbedDim != vae.Config.EmbedDim || config.VaeStride != vae.Config.DownsampleFactor)
            throw new ArgumentException($"The latent DiT expects {config.VaeEmbedDim} latent channels at stride {config.VaeStride}; the VAE gives {vae.Config.EmbedDim} at {vae.Config.DownsampleFactor}.");
        Captions = new MarCaptions(new CaptionVocabulary(config.CaptionGpt2Ids), config.TextLength);
        data = MarLatentDataset.LoadOrBuild(Path.Combine(trainerOptions.RunDirectory, "latents.safetensors"), options.Samples,
            new CaptionedImageGenerator(config.ImgSize, options.DataSeed), vae, vaeSha256, Captions, options.Batch);
        diffusion = config.CreateDiffusion();
        manual_seed(trainerOptions.Seed);
        Model = new LatentDiT(config, Captions.Vocabulary.VocabularySize);
        Model.to(device);
        trainer = new Trainer<MarTrainingBatch>(Model, data.Batch, Loss, trainerOptions, b => b.Latents.shape[0]);
    }

    /// <summary>The caption conditioning.</summary>
    public MarCaptions Captions { get; }

    /// <summary>The model being trained.</summary>
    public LatentDiT Model { get; }

    /// <summary>The trainer (step, resume point, EMA).</summary>
    public Trainer<MarTrainingBatch> Trainer => trainer;

    /// <summary>The loss of one batch: caption dropout, timesteps and noise all drawn from the batch position (a resumed run repeats them).</summary>
    public Tensor Loss(MarTrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        using var generator = new Generator(batch.Position.DerivedSeed ^ 0x9E3779B97F4A7C15UL, CPU);
        long b = batch.Latents.shape[0];
        var device = batch.Latents.device;
        var dropped = (rand([b], generator: generator) < Model.Config.CaptionDropProb).to(device).unsqueeze(1);
        var ids = batch.Condition.masked_fill(dropped, CaptionVocabulary.Pad);
        var t = randint(0, diffusion.Steps, [b], dtype: ScalarType.Int64, generator: generator).to(device);
        var noise = randn(batch.Latents.shape, generator: generator).to(device);
        using var losses = diffusion.TrainingLosses((x, steps) => Model.Forward(x, steps, ids), batch.Latents, t, noise);
        return losses.Loss.mean().MoveToOuterDisposeScope();
    }

    /// <summary>Trains until <paramref name="stopAfterStep"/> (or the end of the schedule).</summary>
    public void Run(long stopAfterStep, CancellationToken cancellationToken = default) => trainer.RunUntil(stopAfterStep, cancellationToken);

    /// <summary>Saves the EMA (when kept) weights as our model folder.</summary>
    public void Export(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using (trainer.Ema?.SwapIn()) LdmCheckpoint.Save(Model, directory, metadata);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        trainer.Dispose();
        Model.Dispose();
        data.Dispose();
    }
}
