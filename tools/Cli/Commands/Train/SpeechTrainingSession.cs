using System.Globalization;
using System.Text.Json;
using Media.Audio.Corpora;
using Media.Hosting;
using Media.Modeling.Devices;
using Media.Modeling.Training;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Train;

/// <summary>What the speech training commands share: device and threads, the corpus splits in memory, folders, and writing results.</summary>
internal sealed class SpeechTrainingSession
{
    SpeechTrainingSession(SpeechTrainSettings settings, string model, Device device, SpeechClipSet train, SpeechClipSet test)
    {
        Settings = settings;
        Device = device;
        Train = train;
        Test = test;
        RunDirectory = settings.Run ?? Path.Combine("runs", model);
        OutputDirectory = settings.Out ?? Path.Combine(new MediaOptions().ResolveModelsDirectory(), model);
    }

    public SpeechTrainSettings Settings { get; }
    public Device Device { get; }
    public SpeechClipSet Train { get; }
    public SpeechClipSet Test { get; }
    public string RunDirectory { get; }
    public string OutputDirectory { get; }

    /// <summary>The held-out clips scored after training.</summary>
    public IEnumerable<SpeechClip> EvalClips => Settings.EvalClips > 0 ? Test.Clips.Take(Settings.EvalClips) : Test.Clips;

    public static SpeechTrainingSession Start(SpeechTrainSettings settings, string model, SpeechMelConfig mel)
    {
        var device = DeviceSelector.Resolve(settings.Device);
        if (settings.Threads > 0) set_num_threads(settings.Threads);
        var options = new SpeechCorpusOptions { Directory = settings.Corpus, SampleRate = mel.SampleRate, Count = settings.CorpusSize, Seed = settings.CorpusSeed, Voices = settings.VoiceSet };
        AnsiConsole.MarkupLine($"corpus: {Markup.Escape(SpeechCorpus.FolderFor(options))} ({settings.CorpusSize} utterances)");
        var corpus = SpeechCorpus.Prepare(options);
        var frontEnd = new TextFrontEnd(SpeechSymbols.Default);
        var train = SpeechClipSet.Load(corpus, corpus.Train, frontEnd);
        var test = SpeechClipSet.Load(corpus, corpus.Test, frontEnd);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"train: {train.Clips.Count} clips, {train.Seconds / 60:F1} min; held out: {test.Clips.Count} clips, {test.Seconds / 60:F1} min"));
        return new SpeechTrainingSession(settings, model, device, train, test);
    }

    public SpeechTrainingOptions Options(long steps, int batch, double learningRate) => new()
    {
        RunDirectory = RunDirectory,
        Steps = Settings.Steps ?? steps,
        BatchSize = Settings.Batch ?? batch,
        LearningRate = Settings.LearningRate ?? learningRate,
        Seed = Settings.Seed,
        Progress = ConsoleTrainingProgress.ForTerminal(),
    };

    /// <summary>Training seconds of the whole run, across resumes (the trainer's cumulative clock in <c>train.jsonl</c>).</summary>
    public double TrainSeconds()
    {
        string log = Path.Combine(RunDirectory, TrainingLog.FileName);
        if (!File.Exists(log)) return 0;
        foreach (string line in File.ReadLines(log).Reverse())
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.TryGetProperty("elapsed_s", out var seconds)) return seconds.GetDouble();
        }
        return 0;
    }

    /// <summary>Metadata stored in the safetensors header: how to reproduce the weights.</summary>
    public Dictionary<string, string> Metadata(SpeechTrainingOptions options, long step, double seconds) => new()
    {
        ["corpus"] = $"espeak-ng v{SpeechCorpus.Version}, seed {Settings.CorpusSeed}, {Settings.CorpusSize} utterances"
            + (Settings.VoiceSet == SpeechVoiceSet.Default ? "" : $", {Settings.Voices.Trim().ToLowerInvariant()} voices"),
        ["steps"] = step.ToString(CultureInfo.InvariantCulture),
        ["batch"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["learning_rate"] = options.LearningRate.ToString(CultureInfo.InvariantCulture),
        ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        ["train_seconds"] = seconds.ToString("F0", CultureInfo.InvariantCulture),
    };

    /// <summary>Writes <c>eval.json</c> beside the exported model and prints each number.</summary>
    public void Report(IReadOnlyDictionary<string, object> results)
    {
        Directory.CreateDirectory(OutputDirectory);
        File.WriteAllText(Path.Combine(OutputDirectory, "eval.json"), JsonSerializer.Serialize(results, SpeechModelFolder.Json) + "\n");
        foreach (var (key, value) in results)
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}: {(value is double d ? d.ToString("G4", CultureInfo.InvariantCulture) : value)}"));
    }
}
