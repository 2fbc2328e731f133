using System.ComponentModel;
using Media.Services.Image.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// What the caption-conditioned image GPT trainers (`image-ar`, `image-dar`) share: the run's length and batch, the training
/// tokens cached in the run folder, the transformer's size, captions and their dropout, and <c>--until</c>.
/// </summary>
internal abstract class ImageGptTrainingSettings : ImageTrainingSettings
{
    [CommandOption("--steps")]
    [Description("Optimizer steps of the whole run")]
    [DefaultValue(2000L)]
    public override long Steps { get; init; } = 2000;

    [CommandOption("--batch")]
    [Description("Images per step")]
    [DefaultValue(32)]
    public override int Batch { get; init; } = 32;

    [CommandOption("--samples")]
    [Description("Training images, tokenized once and cached in the run folder")]
    [DefaultValue(20000)]
    public int Samples { get; init; } = 20000;

    [CommandOption("--dim")]
    [DefaultValue(256)]
    public int Dim { get; init; } = 256;

    [CommandOption("--layers")]
    [DefaultValue(6)]
    public int Layers { get; init; } = 6;

    [CommandOption("--heads")]
    [DefaultValue(8)]
    public int Heads { get; init; } = 8;

    [CommandOption("--text-length")]
    [Description("Caption tokens the model reads (then <boi>)")]
    [DefaultValue(24)]
    public int TextLength { get; init; } = 24;

    [CommandOption("--caption-dropout")]
    [Description("Share of captions replaced by the null caption (for classifier-free guidance)")]
    [DefaultValue(0.1)]
    public double CaptionDropout { get; init; } = 0.1;

    [CommandOption("--until")]
    [Description("Stop after this step (a checkpoint is written; the same command without --until continues)")]
    public int? Until { get; init; }

    [CommandOption("--init")]
    [Description("Start a fresh run from this model folder's weights (same architecture and tokenizer), to train past a finished run")]
    public string? Init { get; init; }

    /// <summary>Where the trained model folder is written at the end (each trainer says what it holds).</summary>
    public abstract string? Out { get; init; }

    /// <summary>
    /// Pins <paramref name="config"/> as the run's, after checking that a fresh run's <c>--init</c> folder holds this very
    /// model (so a mismatch leaves no run folder pinned to options the init weights cannot fill).
    /// </summary>
    public void PinGptRunConfig(Media.Services.Image.TokenShuffle.TokenShuffleConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (Init is { } init && Media.Modeling.Training.TrainingCheckpoint.List(Run).Count == 0) TokenShuffleTraining.RequireInitFolder(init, config);
        PinRunConfig(Media.Services.Image.TokenShuffle.TokenShuffleCheckpoint.ConfigFile, config.ToJson());
    }

    /// <summary>The recipe's options for windows of <paramref name="shuffle"/>² codes.</summary>
    public TokenShuffleTrainingOptions TrainingOptions(int shuffle) => new()
    {
        Shuffle = shuffle, Samples = Samples, Batch = Batch, Dim = Dim, Layers = Layers,
        Heads = Heads, TextLength = TextLength, CaptionDropout = CaptionDropout, DataSeed = DataSeed, InitFrom = Init,
    };

    public override ValidationResult Validate()
    {
        if (Samples <= 0) return ValidationResult.Error("--samples must be positive.");
        if (UntilError(Until) is { } untilError) return untilError;
        if (TextLength <= 0) return ValidationResult.Error("--text-length must be positive.");
        if (CaptionDropout is < 0 or >= 1) return ValidationResult.Error("--caption-dropout must lie in [0, 1).");
        foreach (var file in new[] { Media.Modeling.Checkpoints.ModelFolder.ConfigFile, Media.Modeling.Checkpoints.ModelFolder.WeightsFile })
            if (Init is { } init && !File.Exists(Path.Combine(init, file))) return ValidationResult.Error($"--init {init} has no {file}.");
        return base.Validate();
    }
}
