using Media.Modeling.Diffusion;
using Media.Modeling.Training;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a latent DiT run beyond the trainer schedule.</summary>
public sealed record LdmTrainingOptions : LatentImageTrainingOptions<LdmConfig>;

/// <summary>
/// The latent DiT's training recipe (latent diffusion as DiT trains it): the scenes' KL-VAE latents cached once
/// (<see cref="MarLatentDataset"/>, the same cache as MAR's), per step a fresh posterior sample, timesteps uniform over the
/// process, the epsilon MSE of <see cref="GaussianDiffusion.TrainingLosses"/>, and caption dropout to the empty caption
/// (all pad ids) with <see cref="LdmConfig.CaptionDropProb"/> for classifier-free guidance. AdamW with EMA weights.
/// </summary>
public sealed class LdmTraining : LatentImageTraining<LdmConfig, LatentDiT>
{
    readonly GaussianDiffusion diffusion;

    /// <summary>Prepares (or resumes) the run in <paramref name="trainerOptions"/>, encoding the scenes with <paramref name="vae"/> when not cached.</summary>
    public LdmTraining(LdmTrainingOptions options, TrainerOptions trainerOptions, AutoencoderKl vae, string vaeSha256, Device device)
        : base("The latent DiT", options, trainerOptions, vae, vaeSha256, config => new MarCaptions(new CaptionVocabulary(config.CaptionGpt2Ids), config.TextLength),
            (config, captions) => new LatentDiT(config, captions.Vocabulary.VocabularySize), device)
    {
        diffusion = options.Config.CreateDiffusion();
    }

    /// <summary>The loss of one batch: caption dropout, timesteps and noise all drawn from the batch position (a resumed run repeats them).</summary>
    protected override Tensor Loss(MarTrainingBatch batch)
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

    /// <inheritdoc />
    protected override void Save(string directory, IReadOnlyDictionary<string, string>? metadata) => LdmCheckpoint.Save(Model, directory, metadata);
}
