using Media.Cli.Commands.Train;
using System.ComponentModel;
using Media.Modeling.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Settings;

/// <summary>
/// Options of a resumable training run and what every trainer does with them: the learning-rate schedule,
/// the run folder's pinned config and the first line it prints. The run folder, schedule length, batch,
/// learning rate, checkpoint interval and threads are declared by each trainer, whose defaults differ.
/// </summary>
internal abstract class TrainingRunSettings : TorchSettings
{
    [CommandOption("--seed")]
    [Description("Seed of initialisation and data order")]
    [DefaultValue(1L)]
    public long Seed { get; init; } = 1;

    /// <summary>Run folder: checkpoints, train.jsonl and the pinned config; an existing run resumes.</summary>
    public abstract string Run { get; init; }

    /// <summary>Optimizer steps of the whole run; the learning-rate schedule spans them.</summary>
    public abstract long Steps { get; init; }

    /// <summary>Examples per step.</summary>
    public abstract int Batch { get; init; }

    /// <summary>Peak learning rate.</summary>
    public abstract double LearningRate { get; init; }

    /// <summary>Steps between resumable checkpoints.</summary>
    public abstract long CheckpointEvery { get; init; }

    /// <summary>AdamW with a warmup (a tenth of the run, at most 100 steps) then cosine decay to a tenth of the peak, logged every 10 steps.</summary>
    public TrainerOptions Schedule(string throughputUnit) => new()
    {
        RunDirectory = Run,
        TotalSteps = Steps,
        LearningRate = LearningRate,
        MinLearningRate = LearningRate / 10,
        WarmupSteps = Math.Min(100, Steps / 10),
        CheckpointEvery = CheckpointEvery,
        LogEvery = 10,
        Seed = Seed,
        ThroughputUnit = throughputUnit,
        Progress = ConsoleTrainingProgress.ForTerminal(),
    };

    /// <summary>
    /// Creates the run folder and pins <paramref name="json"/> as its <paramref name="fileName"/>, so a resume with
    /// other options fails early and clearly instead of loading mismatched checkpoints. <paramref name="canonical"/>
    /// reads an existing file back in the form <paramref name="json"/> is written in (default: its trimmed text).
    /// </summary>
    public void PinRunConfig(string fileName, string json, Func<string, string>? canonical = null)
    {
        Directory.CreateDirectory(Run);
        string path = Path.Combine(Run, fileName);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, json + "\n");
            return;
        }
        string existing = canonical is null ? File.ReadAllText(path) : canonical(path);
        if (existing.Trim() != json.Trim())
            throw new InvalidOperationException(
                $"{path} describes another model than these options; use a new --run folder or the run's own options.\n{File.ReadAllText(path)}");
    }

    /// <summary>Prints where the run resumes, or what a new run trains (<paramref name="details"/>).</summary>
    public void AnnounceStart(long? resumedFromStep, string details) =>
        AnsiConsole.MarkupLine(resumedFromStep is { } from
            ? $"resuming [bold]{Markup.Escape(Run)}[/] at step {from} of {Steps}"
            : $"training [bold]{Markup.Escape(Run)}[/]: {Markup.Escape(details)}");

    /// <summary>The error for a <c>--until</c> outside 1..<see cref="Steps"/> (in trainers that stop there), or null.</summary>
    protected ValidationResult? UntilError(long? until) =>
        until is { } step && (step <= 0 || step > Steps) ? ValidationResult.Error("--until must lie in 1..--steps.") : null;

    public override ValidationResult Validate() =>
        Steps < 1 || Batch < 1 ? ValidationResult.Error("--steps and --batch must be positive.") : base.Validate();
}
