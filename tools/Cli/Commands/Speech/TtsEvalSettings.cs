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

    [CommandOption("--durations")]
    [Description("eval tts: how long each sentence is spoken, comma-separated: predicted (the voice's own duration and timing predictors, as a request without a duration is served) and/or reference (the espeak-ng recording's duration)")]
    [DefaultValue("predicted")]
    public string Durations { get; init; } = "predicted";

    [CommandOption("--judge")]
    [Description("eval tts: folder of the independent recognizer scoring beside asr-ctc (default: <models>/asr-ctc-judge)")]
    public string? Judge { get; init; }

    [CommandOption("--dtype")]
    [Description("Precision of the ARDiT transformer's weights and cache: float32 or bfloat16 (float16 on CUDA); the decoder and vocoder stay float32")]
    [DefaultValue("float32")]
    public string Dtype { get; init; } = "float32";

    [CommandOption("--voice")]
    [Description("eval tts: folder of the voice to score instead of <models>/ardit-tts (e.g. models/ardit-tts-fim); the distilled student is then left out")]
    public string? Voice { get; init; }

    [CommandOption("--student")]
    [Description("Folder of the one-step distilled voice compared at 1 step beside the teacher's step counts (default: <models>/ardit-tts-1step when it exists; 'none' leaves it out)")]
    public string? Student { get; init; }

    [CommandOption("--edits")]
    [Description("eval tts: instead of speaking sentences, edit this many held-out recordings (one word each replaced) and score the edited span and the joins, fill-in-the-middle against left-context editing")]
    [DefaultValue(0)]
    public int Edits { get; init; }

    [CommandOption("--decode-frames")]
    [Description("bench tts: latent frames handed to the VAE decoder and vocoder at a time after the first block: N (always N) or N-M (N, doubling each chunk up to M), comma-separated to compare (default: the service's, 8-32)")]
    public string? DecodeFrames { get; init; }

    /// <summary>The decode schedules to compare; null for the service's own.</summary>
    public IReadOnlyList<(int First, int Max)>? ParsedDecodeFrames => DecodeFrames is null ? null : ParseSchedules(DecodeFrames, "--decode-frames");

    static (int First, int Max)[] ParseSchedules(string text, string option)
    {
        var error = new ArgumentException($"{option} takes N or N-M (positive integers, M >= N) separated by commas, not '{text}'.");
        int End(string v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw error;
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
        {
            var ends = v.Split('-').Select(End).ToArray();
            return ends.Length switch
            {
                1 => (ends[0], ends[0]),
                2 when ends[1] >= ends[0] => (ends[0], ends[1]),
                _ => throw error,
            };
        }).ToArray();
        return values.Length > 0 ? values : throw error;
    }

    [CommandOption("--show-edits")]
    [Description("eval tts --edits: print each edit and what the judge heard")]
    public bool ShowEdits { get; init; }

    [CommandOption("--infilling")]
    [Description("eval tts --edits: folder of the voice trained with fill-in-the-middle (default: <models>/ardit-tts-fim)")]
    public string? Infilling { get; init; }

    [CommandOption("--models")]
    [Description("Models folder holding ardit-tts, tts-mel-vae, tts-vocoder and asr-ctc (default: the checkout's models/)")]
    public string? Models { get; init; }

    /// <summary>The student's folder: --student, else the models folder's ardit-tts-1step when it holds a voice; null for none.</summary>
    public string? StudentFolder(string models)
    {
        if (string.Equals(Student, "none", StringComparison.OrdinalIgnoreCase) || Voice is not null) return null;
        string folder = Student ?? Path.Combine(models, Media.Services.Audio.Speech.Generation.ArditVoice.Student);
        if (Media.Services.Audio.Speech.SpeechModelFolder.Exists(folder)) return folder;
        if (Student is not null) throw new ArgumentException($"--student {Student} holds no voice (config.json and model.safetensors).");
        return null;
    }

    /// <summary>
    /// The distillation's comparison among measured rows: the student's first row, and the teacher's row at the same
    /// <paramref name="setting"/> (block size, duration source) and its default 8 steps — else the nearest there is: same
    /// setting before 8 steps, then the first row.
    /// </summary>
    public static (T Teacher, T Student) DistillationPair<T>(IReadOnlyList<T> rows, Func<T, string> name, Func<T, int> steps, Func<T, object> setting)
    {
        var student = rows.First(r => name(r) == Media.Services.Audio.Speech.Generation.ArditVoice.Student);
        var teacher = rows.Where(r => name(r) == Media.Services.Audio.Speech.Generation.ArditVoice.Teacher)
            .OrderBy(r => Equals(setting(r), setting(student)) ? 0 : 1)
            .ThenBy(r => steps(r) == Media.Services.Audio.Speech.Generation.ArditSpeechGenerator.DefaultSteps ? 0 : 1).First();
        return (teacher, student);
    }

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

    public IReadOnlyList<TtsEvalDurations> ParsedDurations
    {
        get
        {
            var values = Durations.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => v.ToLowerInvariant() switch
                {
                    "predicted" => TtsEvalDurations.Predicted,
                    "reference" => TtsEvalDurations.Reference,
                    _ => throw new ArgumentException($"--durations takes predicted or reference, not '{v}'."),
                }).Distinct().ToArray();
            return values.Length > 0 ? values : throw new ArgumentException("--durations needs at least one value.");
        }
    }

    public override ValidationResult Validate()
    {
        if (Count < 1) return ValidationResult.Error("-n must be at least 1.");
        if (Concurrent is < 1 or > 64) return ValidationResult.Error("--concurrent must be 1..64.");
        try { _ = ParsedStepCounts; _ = ParsedDecodeFrames; _ = ParsedBlockSizes; _ = ParsedSolvers; _ = ParsedDurations; _ = Media.Modeling.Devices.DeviceSelector.ParseDtype(Dtype); }
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

/// <summary>How long <c>eval tts</c> speaks each held-out sentence.</summary>
internal enum TtsEvalDurations
{
    /// <summary>The voice's duration predictor and timing predictor, as a request without a duration is served.</summary>
    Predicted,

    /// <summary>The espeak-ng recording's duration (the timing predictor's character positions scaled to it).</summary>
    Reference,
}
