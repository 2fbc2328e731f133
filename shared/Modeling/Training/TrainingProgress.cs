using System.Globalization;
using Spectre.Console;

namespace Media.Modeling.Training;

/// <summary>
/// A Spectre.Console progress bar showing step, loss and throughput. It is used only on an
/// interactive terminal: with output redirected (CI, logs, tests) the body runs without it.
/// </summary>
static class TrainingProgress
{
    /// <summary>True when a live progress bar can be drawn.</summary>
    public static bool Available => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="body"/>, handing it a callback that reports each step.</summary>
    public static void Run(bool show, long startStep, long endStep, string unit, Action<Action<StepRecord>> body)
    {
        if (!show)
        {
            body(_ => { });
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Describe(startStep, endStep, null, unit), maxValue: endStep);
                task.Value = startStep;
                body(record =>
                {
                    task.Value = record.Step;
                    task.Description = Describe(record.Step, endStep, record, unit);
                });
            });
    }

    static string Describe(long step, long end, StepRecord? record, string unit) =>
        record is null
            ? string.Create(CultureInfo.InvariantCulture, $"step {step}/{end}")
            : string.Create(CultureInfo.InvariantCulture,
                $"step {step}/{end}  loss {record.Loss:F4}  lr {record.LearningRate:0.###e0}  {record.ItemsPerSecond:F0} {Markup.Escape(unit)}/s");
}
