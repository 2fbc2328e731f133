using System.Globalization;
using Media.Modeling.Training;
using Spectre.Console;

namespace Media.Cli.Commands.Train;

/// <summary>
/// Draws a trainer's <see cref="TrainingProgress"/> as a Spectre.Console progress bar (step, loss, learning rate,
/// throughput, elapsed and remaining time). Only on an interactive terminal: with output redirected (CI, logs) there is none.
/// </summary>
sealed class ConsoleTrainingProgress : IProgress<TrainingProgress>
{
    readonly Lock gate = new();
    TaskCompletionSource? finished;
    Task? rendering;
    ProgressTask? bar;

    /// <summary>A bar on an interactive terminal, otherwise null (the trainer then reports nothing).</summary>
    public static IProgress<TrainingProgress>? ForTerminal() =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? new ConsoleTrainingProgress() : null;

    /// <inheritdoc/>
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (gate)
        {
            if (value.Last is null || bar is null) Start(value);
            bar!.MaxValue = Math.Max(1, value.EndStep);
            bar.Value = value.Step;
            bar.Description = Describe(value);
            if (value.Step >= value.EndStep) Stop();
        }
    }

    void Start(TrainingProgress value)
    {
        Stop();
        var ready = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The bar renders on its own task until the run ends; the trainer's thread only updates it.
        rendering = AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ready.SetResult(context.AddTask(Describe(value), maxValue: Math.Max(1, value.EndStep)));
                await done.Task.ConfigureAwait(false);
            });
        finished = done;
        bar = ready.Task.GetAwaiter().GetResult();
    }

    void Stop()
    {
        if (finished is null) return;
        finished.SetResult();
        rendering!.GetAwaiter().GetResult();
        (finished, rendering, bar) = (null, null, null);
    }

    static string Describe(TrainingProgress progress) => progress.Last is not { } record
        ? string.Create(CultureInfo.InvariantCulture, $"step {progress.Step}/{progress.EndStep}")
        : string.Create(CultureInfo.InvariantCulture,
            $"step {progress.Step}/{progress.EndStep}  loss {record.Loss:F4}  lr {record.LearningRate:0.###e0}  {record.ItemsPerSecond:F0} {Markup.Escape(progress.ThroughputUnit)}/s");
}
