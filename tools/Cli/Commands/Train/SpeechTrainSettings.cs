using System.ComponentModel;
using Media.Audio.Corpora;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>Options every speech training command takes: corpus, run folder, output folder, schedule, device.</summary>
internal class SpeechTrainSettings : CommandSettings
{
    [CommandOption("--corpus")]
    [Description("Cache folder of the espeak-ng corpus (rendered there on first use; needs espeak-ng then)")]
    [DefaultValue("data/corpora")]
    public string Corpus { get; init; } = "data/corpora";

    [CommandOption("--corpus-size")]
    [Description("Utterances in the corpus (about 5% are held out)")]
    [DefaultValue(2000)]
    public int CorpusSize { get; init; } = 2000;

    [CommandOption("--corpus-seed")]
    [Description("Seed naming the corpus")]
    [DefaultValue(1UL)]
    public ulong CorpusSeed { get; init; } = 1;

    [CommandOption("--voices")]
    [Description("espeak-ng voice set of the corpus: default (the TTS corpus) or judge (accents and variants the default never uses; the independent recognizer's)")]
    [DefaultValue("default")]
    public string Voices { get; init; } = "default";

    /// <summary>The <c>--voices</c> value as a voice set.</summary>
    public SpeechVoiceSet VoiceSet => Voices.Trim().ToLowerInvariant() switch
    {
        "default" => SpeechVoiceSet.Default,
        "judge" => SpeechVoiceSet.Judge,
        _ => throw new ArgumentException($"--voices takes default or judge, not '{Voices}'."),
    };

    [CommandOption("--run")]
    [Description("Run folder (checkpoints, train.jsonl); an existing run resumes. Default runs/<model>")]
    public string? Run { get; init; }

    [CommandOption("--out")]
    [Description("Where the trained model is exported (config.json, model.safetensors, eval.json). Default models/<model>")]
    public string? Out { get; init; }

    [CommandOption("--steps")]
    [Description("Optimizer steps")]
    public long? Steps { get; init; }

    [CommandOption("--batch")]
    [Description("Examples per step")]
    public int? Batch { get; init; }

    [CommandOption("--lr")]
    [Description("Peak learning rate")]
    public double? LearningRate { get; init; }

    [CommandOption("--seed")]
    [Description("Training seed")]
    [DefaultValue(1L)]
    public long Seed { get; init; } = 1;

    [CommandOption("--threads")]
    [Description("libtorch intra-op threads (0: libtorch's default)")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--device")]
    [Description("cpu, cuda or cuda:N")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    [CommandOption("--eval-clips")]
    [Description("Held-out clips scored after training (0: all)")]
    [DefaultValue(0)]
    public int EvalClips { get; init; }

    public override ValidationResult Validate()
    {
        try { _ = VoiceSet; }
        catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
        return base.Validate();
    }
}
