using System.Globalization;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Train;

/// <summary>
/// What `media train image-mar` and `image-ldm` do alike (recipes: <see cref="LatentImageTraining{TConfig, TModel}"/>): load the
/// VAE and hash its weights, build and check the architecture, pin it in the run folder, train (resumable) until <c>--until</c>
/// or the end, and export the EMA weights to <c>--out</c>. Each trainer says how its options become a config and a recipe.
/// </summary>
internal abstract class LatentImageTrainCommand<TSettings, TConfig, TModel> : Command<TSettings>
    where TSettings : LatentImageTrainingSettings where TConfig : ILatentImageConfig where TModel : nn.Module
{
    /// <summary>The architecture <paramref name="settings"/> describe over the VAE <paramref name="vae"/> and the caption vocabulary.</summary>
    protected abstract TConfig Config(TSettings settings, KlConfig vae, CaptionVocabulary vocabulary, string vaeSha256);

    /// <summary>The run folder's pinned config: its file name and text.</summary>
    protected abstract (string File, string Json) RunConfig(TConfig config);

    /// <summary>AdamW's weight decay of the recipe.</summary>
    protected abstract double WeightDecay { get; }

    /// <summary>AdamW's beta2 of this recipe (null: the trainer's 0.999).</summary>
    protected virtual double? Beta2 => null;

    /// <summary>The global gradient-norm clip of this recipe.</summary>
    protected virtual double MaxGradNorm => 1.0;

    /// <summary>Prepares (or resumes) the recipe.</summary>
    protected abstract LatentImageTraining<TConfig, TModel> Start(TConfig config, TSettings settings, TrainerOptions schedule, AutoencoderKl vae, string vaeSha256, Device device);

    /// <summary>The tokens a new run's first line names.</summary>
    protected abstract string Tokens(TConfig config);

    public sealed override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var vae = KlModelFolder.Load(settings.Vae, device);
        string vaeSha = TokenShuffleCheckpoint.Sha256(Path.Combine(settings.Vae, KlModelFolder.WeightsFile));
        var config = Config(settings, vae.Config, CaptionVocabulary.FromWords(CaptionWords.All), vaeSha);
        if (ImageTrainingSettings.ConfigRejected(config.Validate)) return 2;
        var (file, json) = RunConfig(config);
        settings.PinRunConfig(file, json);

        var schedule = settings.Schedule("images");
        schedule = schedule with { Beta2 = Beta2 ?? schedule.Beta2, WeightDecay = WeightDecay, MaxGradNorm = MaxGradNorm, EmaDecay = settings.Ema > 0 ? settings.Ema : null };
        AnsiConsole.MarkupLine($"encoding {settings.Samples:N0} training scenes with [bold]{Markup.Escape(settings.Vae)}[/] (cached in the run folder)");
        using var training = Start(config, settings, schedule, vae, vaeSha, device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"{Tokens(config)}, {training.Model.parameters().Sum(p => p.numel()):N0} parameters");
        training.Run(Math.Max(training.Trainer.Step, settings.Until ?? settings.Steps), cancellationToken);
        AnsiConsole.MarkupLine(training.Trainer.History.Count > 0 ? $"step {training.Trainer.Step}, loss {training.Trainer.History[^1].Loss:0.0000}" : $"step {training.Trainer.Step}");
        if (settings.Out is { } outDirectory)
        {
            training.Export(outDirectory, new Dictionary<string, string>
            {
                ["steps"] = training.Trainer.Step.ToString(CultureInfo.InvariantCulture),
                ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                ["samples"] = settings.Samples.ToString(CultureInfo.InvariantCulture),
            });
            AnsiConsole.MarkupLine($"saved [bold]{Markup.Escape(outDirectory)}[/]");
        }
        return 0;
    }
}
