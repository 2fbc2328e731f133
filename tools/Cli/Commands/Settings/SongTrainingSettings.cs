using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Modeling.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Settings;

/// <summary>
/// What the song trainers (<c>train songgen</c>, <c>train levo</c>) share: the codec and its codebooks, the training songs
/// and their openings, the transformer's width, depth and heads, the longest song, and a run stopped by minutes or at a step.
/// </summary>
internal abstract class SongTrainingSettings : TrainingRunSettings
{
    [CommandOption("--export")]
    [Description("Folder the servable model is exported to; default: RUN/model")]
    public string? Export { get; init; }

    [CommandOption("--eval-every")]
    [Description("Score --eval-n held-out songs (seeds from 900000) every this many steps, teacher-forced (0: never)")]
    [DefaultValue(0L)]
    public long EvalEvery { get; init; }

    [CommandOption("--eval-n")]
    [DefaultValue(16)]
    public int EvalN { get; init; } = 16;

    [CommandOption("--export-best")]
    [Description("With --eval-every: export the model here whenever its held-out loss is the lowest yet (a run memorises its songs when they are few)")]
    public string? ExportBest { get; init; }

    [CommandOption("--codec")]
    [Description("The codec folder whose codes the songs are encoded with")]
    [DefaultValue("models/media-codec")]
    public string Codec { get; init; } = "models/media-codec";

    [CommandOption("--codebooks")]
    [Description("Codec codebooks per track (K)")]
    [DefaultValue(4)]
    public int Codebooks { get; init; } = 4;

    [CommandOption("--songs")]
    [Description("Corpus songs in the training set (seeds 0..N-1)")]
    [DefaultValue(512)]
    public int Songs { get; init; } = 512;

    [CommandOption("--seconds")]
    [Description("Each song cut to its opening of this many seconds (the lines sung by then)")]
    [DefaultValue(8.0)]
    public double Seconds { get; init; } = 8;

    [CommandOption("--dim")]
    [DefaultValue(256)]
    public int Dim { get; init; } = 256;

    [CommandOption("--layers")]
    [Description("Decoder (SongGen) or main LM (LeVo) blocks")]
    [DefaultValue(6)]
    public int Layers { get; init; } = 6;

    [CommandOption("--heads")]
    [DefaultValue(4)]
    public int Heads { get; init; } = 4;

    [CommandOption("--max-seconds")]
    [Description("Longest song the model holds")]
    [DefaultValue(30)]
    public int MaxSeconds { get; init; } = 30;

    [CommandOption("--until")]
    [Description("Stop after this step (a checkpoint and an export are written; the same command without --until continues)")]
    public long? Until { get; init; }

    [CommandOption("--steps")]
    [DefaultValue(20000L)]
    public override long Steps { get; init; } = 20000;

    [CommandOption("--minutes")]
    [Description("Stop (with a checkpoint and an export) after this many minutes of this invocation; 0 = no limit")]
    [DefaultValue(0.0)]
    public double Minutes { get; init; }

    [CommandOption("--batch")]
    [DefaultValue(4)]
    public override int Batch { get; init; } = 4;

    [CommandOption("--lr")]
    [DefaultValue(5e-4)]
    public override double LearningRate { get; init; } = 5e-4;

    [CommandOption("--checkpoint-every")]
    [DefaultValue(50L)]
    public override long CheckpointEvery { get; init; } = 50;

    [CommandOption("--threads")]
    [DefaultValue(1)]
    public override int Threads { get; init; } = 1;

    /// <summary>The budget of this invocation (null: none).</summary>
    public TimeSpan? Budget => Minutes > 0 ? TimeSpan.FromMinutes(Minutes) : null;

    // The lowest held-out loss of the run so far, its earlier parts included (read from its log).
    double lowestHeldOutLoss = double.PositiveInfinity;

    /// <summary>
    /// Whether the run's last export to <paramref name="export"/> is skipped: it is the <c>--export-best</c> folder and the
    /// best model, exported by this run or an earlier part of it, is already there (LeVo's stage 2, for one, reads stage 1
    /// from a fixed folder).
    /// </summary>
    public bool KeepsBestAt(string export) =>
        !double.IsPositiveInfinity(lowestHeldOutLoss) && ExportBest is { } best && Directory.Exists(best)
        && Path.GetFullPath(best).TrimEnd('/') == Path.GetFullPath(export).TrimEnd('/');

    /// <summary>
    /// The trainer's evaluation for <c>--eval-every</c>: <paramref name="measure"/> the held-out songs (its metrics hold
    /// <c>heldout_loss</c>), print them, and with <c>--export-best</c> <paramref name="export"/> there at each lowest loss yet.
    /// </summary>
    /// <remarks>A resumed run starts from the lowest held-out loss its log (<paramref name="runDirectory"/>'s train.jsonl) has seen, so
    /// it never replaces the best model with a worse one.</remarks>
    public Func<EvalContext, IReadOnlyDictionary<string, double>> HeldOutEvaluation(Stopwatch clock, string runDirectory, Func<Dictionary<string, double>> measure,
        Action<string> export)
    {
        lowestHeldOutLoss = TrainingLog.ReadEvals(Path.Combine(runDirectory, TrainingLog.FileName))
            .Select(e => e.Metrics.TryGetValue("heldout_loss", out double loss) ? loss : double.PositiveInfinity).DefaultIfEmpty(double.PositiveInfinity).Min();
        return evaluation =>
        {
            var metrics = measure();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] eval at step {evaluation.Step}: {string.Join("  ", metrics.Select(m => $"{m.Key} {m.Value:F4}"))}"));
            if (ExportBest is { } folder && metrics["heldout_loss"] < lowestHeldOutLoss)
            {
                lowestHeldOutLoss = metrics["heldout_loss"];
                export(folder);
                Console.Error.WriteLine($"  lowest held-out loss yet: exported {folder}");
            }
            return metrics;
        };
    }

    public override ValidationResult Validate()
    {
        if (Minutes < 0) return ValidationResult.Error("--minutes must be 0 or positive.");
        if (UntilError(Until) is { } untilError) return untilError;
        if (EvalEvery < 0 || EvalN < 2) return ValidationResult.Error("--eval-every must be at least 0 and --eval-n at least 2.");
        if (ExportBest is not null && EvalEvery == 0) return ValidationResult.Error("--export-best needs --eval-every.");
        if (Codebooks < 1 || Songs < 1 || MaxSeconds < 1) return ValidationResult.Error("--codebooks, --songs and --max-seconds must be positive.");
        if (!Directory.Exists(Codec)) return ValidationResult.Error($"--codec '{Codec}' is not a folder.");
        return base.Validate();
    }
}
