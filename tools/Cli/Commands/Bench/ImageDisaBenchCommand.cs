using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Eval;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;
using Media.Services.Image.Mar;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench image-disa</c>: MAR on the same held-out prompts and seeds with the head at a constant U steps
/// (MAR's sampler) and with DiSA's linear, cosine and two-stage schedules from U to L; per configuration the head
/// evaluations, wall-clock and CPU seconds per image and the GenEval-style accuracy, then the headline lines.
/// </summary>
internal sealed class ImageDisaBenchCommand : Command<ImageDisaBenchCommand.Settings>
{
    internal sealed class Settings : MarModelOptions
    {
        [CommandOption("-n|--count")]
        [Description("Held-out prompts (prompt i uses seed i)")]
        [DefaultValue(48)]
        public int Count { get; init; } = 48;

        [CommandOption("--max-steps")]
        [Description("U: the constant baseline's steps and DiSA's first-iteration steps")]
        [DefaultValue(50)]
        public int MaxSteps { get; init; } = 50;

        [CommandOption("--min-steps")]
        [Description("L: DiSA's last-iteration steps")]
        [DefaultValue(5)]
        public int MinSteps { get; init; } = 5;

        public override ValidationResult Validate() =>
            Count < 1 || MinSteps < 1 || MinSteps > MaxSteps ? ValidationResult.Error("--n must be positive and 1 <= --min-steps <= --max-steps.") : base.Validate();
    }

    sealed record Outcome(string Name, double HeadEvaluations, double WallSeconds, double CpuSeconds, EvaluationReport Report, int[] Steps);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var mar = MarGenerator.Load(settings.Mar, settings.Vae, device, settings.Batch);
        var samples = new CaptionedImageGenerator(64).Take(DataSplit.HeldOut, settings.Count).ToList();
        // The baseline is a constant U: MAR's own sampler with U respaced steps, from the model's sampling_max_timestep.
        var configurations = new (string Name, DiffusionStepsSchedule? Schedule)[]
        {
            ($"constant {settings.MaxSteps}", null),
            ($"linear {settings.MaxSteps}->{settings.MinSteps}", new(DisaScheduleKind.Linear, settings.MaxSteps, settings.MinSteps)),
            ($"cosine {settings.MaxSteps}->{settings.MinSteps}", new(DisaScheduleKind.Cosine, settings.MaxSteps, settings.MinSteps)),
            ($"two-stage {settings.MaxSteps}->{settings.MinSteps}", new(DisaScheduleKind.TwoStage, settings.MaxSteps, settings.MinSteps)),
        };
        int fixedSteps = mar.Sampler.Model.Config.NumSamplingSteps;
        if (fixedSteps != settings.MaxSteps)
            AnsiConsole.MarkupLine($"[yellow]note: the model's fixed step count is {fixedSteps}; the constant baseline uses it, not --max-steps {settings.MaxSteps}[/]");
        var startTimestep = MarSampler.HeadStartTimestep(mar.Sampler.Model.Config, null);
        AnsiConsole.MarkupLine($"the constant baseline starts at timestep {(startTimestep is { } t ? t : 999)}; DiSA at {MarSampler.HeadStartTimestep(mar.Sampler.Model.Config, DiffusionStepsSchedule.Default)}");
        var outcomes = new List<Outcome>();
        foreach (var (name, schedule) in configurations)
        {
            var report = new EvaluationReport();
            long evaluations = 0;
            int[] steps = [];
            var (wall, cpu) = BenchClock.Measure(() => ImageEvalColumns.DrawMar(mar.Sampler, samples, settings.Batch, (i, s) => new MarSamplingOptions(s.Caption)
            {
                Seed = i, Iterations = settings.Iterations, Cfg = settings.MarCfg, Temperature = settings.MarTemperature, DiffusionSteps = schedule,
            }, (start, decoded, states) =>
            {
                for (int j = 0; j < decoded.Length; j++) report.Add(PromptEvaluator.Evaluate(decoded[j], samples[start + j].Prompt));
                evaluations += states.Sum(s => s.HeadEvaluations);
                steps = [.. states[0].StepsPerIteration];
            }, cancellationToken));
            outcomes.Add(new Outcome(name, evaluations / (double)samples.Count, wall / samples.Count, cpu / samples.Count, report, steps));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{samples.Count} held-out prompts, seeds 0..{samples.Count - 1}, N = {settings.Iterations} AR iterations, cfg {settings.MarCfg}, {settings.Batch} images per batch"));
        Console.WriteLine("| head schedule | steps per iteration | head evaluations per image | wall s per image | CPU s per image | overall accuracy |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var o in outcomes)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Name} | {string.Join(" ", o.Steps)} | {o.HeadEvaluations:0} | {o.WallSeconds:0.000} | {o.CpuSeconds:0.000} | {o.Report.Overall:0.000} |"));
        Console.WriteLine(ImageEvalColumns.Table([.. outcomes.Select(o => (o.Name, o.Report))], samples.Count));
        var constant = outcomes[0];
        var linear = outcomes[1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"disa head evaluations ratio: {constant.HeadEvaluations / linear.HeadEvaluations:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"disa speedup: {constant.WallSeconds / linear.WallSeconds:0.00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"disa overall delta: {linear.Report.Overall - constant.Report.Overall:+0.000;-0.000;0.000}"));
        return 0;
    }
}
