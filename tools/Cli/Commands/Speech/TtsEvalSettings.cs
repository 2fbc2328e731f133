using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Train;
using Media.Modeling.Diffusion;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Speech;

/// <summary>Options of <c>eval tts</c> and <c>bench tts</c>: the corpus options of the speech trainers plus what to sweep.</summary>
internal sealed class TtsEvalSettings : SpeechTrainSettings
{
    [CommandOption("-n|--count")]
    [Description("Held-out sentences to synthesise")]
    [DefaultValue(100)]
    public int Count { get; init; } = 100;

    [CommandOption("--step-counts")]
    [Description("Flow steps per block to compare, comma-separated")]
    [DefaultValue("4,8")]
    public string StepCounts { get; init; } = "4,8";

    [CommandOption("--block-sizes")]
    [Description("Latent vectors per AR step (B) to compare, comma-separated")]
    [DefaultValue("1,4")]
    public string BlockSizes { get; init; } = "1,4";

    [CommandOption("--solvers")]
    [Description("Flow ODE solvers to compare (euler, adams2), comma-separated")]
    [DefaultValue("euler")]
    public string Solvers { get; init; } = "euler";

    [CommandOption("--concurrent")]
    [Description("bench tts: also serve the sentences this many at a time on the batching scheduler, against one by one")]
    [DefaultValue(1)]
    public int Concurrent { get; init; } = 1;

    [CommandOption("--models")]
    [Description("Models folder holding ardit-tts, tts-mel-vae, tts-vocoder and asr-ctc (default: the checkout's models/)")]
    public string? Models { get; init; }

    public IReadOnlyList<int> ParsedStepCounts => Parse(StepCounts, "--step-counts");

    public IReadOnlyList<int> ParsedBlockSizes => Parse(BlockSizes, "--block-sizes");

    public IReadOnlyList<FlowSolver> ParsedSolvers
    {
        get
        {
            var values = Solvers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => FlowSolverNames.Parse(v, "--solvers")).Distinct().ToArray();
            return values.Length > 0 ? values : throw new ArgumentException("--solvers needs at least one value.");
        }
    }

    public override ValidationResult Validate()
    {
        if (Count < 1) return ValidationResult.Error("-n must be at least 1.");
        if (Concurrent is < 1 or > 64) return ValidationResult.Error("--concurrent must be 1..64.");
        try { _ = ParsedStepCounts; _ = ParsedBlockSizes; _ = ParsedSolvers; }
        catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
        return base.Validate();
    }

    static int[] Parse(string text, string option)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
                ? n : throw new ArgumentException($"{option} takes positive integers separated by commas, not '{text}'."))
            .ToArray();
        return values.Length > 0 ? values : throw new ArgumentException($"{option} needs at least one value.");
    }
}
