using System.Diagnostics;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Recognizer;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Audio.Speech.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Train;

/// <summary><c>media train tts</c>: the ARDiT voice over the mel VAE's latents (resumable; export to models/ardit-tts).</summary>
internal sealed class TrainTtsCommand : Command<TrainTtsSettings>
{
    public override int Execute(CommandContext context, TrainTtsSettings settings, CancellationToken cancellationToken)
    {
        string modelsDirectory = new Media.Hosting.MediaOptions().ResolveModelsDirectory();
        string vaeFolder = Path.Combine(modelsDirectory, "tts-mel-vae");
        var vaeConfig = SpeechModelFolder.ReadConfig<MelVaeConfig>(vaeFolder);
        var session = SpeechTrainingSession.Start(settings, "ardit-tts", vaeConfig.Mel);
        using var vae = MelVae.Load(vaeFolder, session.Device);
        var frontEnd = new TextFrontEnd(SpeechSymbols.Default);
        var config = new ArditConfig
        {
            LatentDim = vaeConfig.LatentDim, FrameRate = vaeConfig.LatentRate, VocabSize = frontEnd.Symbols.Count,
            BlockSize = 4, Dim = 128, NLayer = 4, NHead = 4, MaxTextLength = 200, MaxFrames = 300, TextTiming = settings.TextTiming,
        };
        var (train, test) = Examples(session, vae, config, modelsDirectory);
        var duration = DurationPredictor.Fit([.. train.Select(e => (e.Text, e.Frames))]);
        var options = session.Options(steps: 4000, batch: 16, learningRate: 1e-3) with { CheckpointEvery = 100, EvalEvery = 250 };
        using var model = new ArditModel(config);
        model.to(session.Device);
        if (settings.Init is { } init && TrainingCheckpoint.List(session.RunDirectory).Count == 0)
        {
            var report = Checkpoint.LoadInto(model, Path.Combine(init, "model.safetensors"), new CheckpointLoadOptions { Device = session.Device, Renames = ArditModel.CheckpointRenames }, strict: false);
            AnsiConsole.WriteLine($"initialised {report.Loaded.Count} tensors from {init} ({report.Missing.Count} start fresh: {string.Join(", ", report.Missing.Select(k => k.Split('.')[0]).Distinct())})");
        }
        using (var training = new ArditTraining(model, train, test, options, fillInMiddle: settings.FillInMiddle))
        {
            training.Trainer.Run(cancellationToken);
            if (cancellationToken.IsCancellationRequested) return 130;
            var metadata = session.Metadata(options, training.Trainer.Step, session.TrainSeconds());
            using (training.Trainer.Ema?.SwapIn())
                SpeechModelFolder.Save(model, new ArditVoiceConfig { Model = config, Duration = duration, TrainedBlockSizes = [.. training.BlockSizes], FillInMiddle = settings.FillInMiddle > 0 ? settings.FillInMiddle : null }, session.OutputDirectory, metadata);
            var scores = training.Validate();
            session.Report(scores.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
        }
        return 0;
    }

    /// <summary>
    /// The corpus splits as ARDiT examples: VAE latents and, for an aligned model, each character's frame as the committed
    /// recognizer (<c>asr-ctc</c>) force-aligns it.
    /// </summary>
    internal static (List<ArditExample> Train, List<ArditExample> Test) Examples(SpeechTrainingSession session, MelVae vae, ArditConfig config, string modelsDirectory)
    {
        var frontEnd = new TextFrontEnd(SpeechSymbols.Default);
        var clock = Stopwatch.StartNew();
        using var recognizer = config.IsAligned ? CtcRecognizer.Load(Path.Combine(modelsDirectory, "asr-ctc"), session.Device) : null;
        using var aligner = recognizer is null ? null : new CtcTextAligner(recognizer);
        Func<SpeechClip, double[]?>? align = aligner is null ? null : clip => aligner.Align(clip.Samples, clip.Text);
        var train = ArditTraining.Encode(vae, session.Train, frontEnd.Encode, config.MaxFrames, config.MaxTextLength, align);
        var test = ArditTraining.Encode(vae, session.Test, frontEnd.Encode, config.MaxFrames, config.MaxTextLength, align);
        AnsiConsole.WriteLine($"encoded {train.Count} train / {test.Count} held-out clips to latents{(aligner is null ? "" : " and aligned their characters")} in {clock.Elapsed.TotalSeconds:F0} s");
        return (train, test);
    }
}
