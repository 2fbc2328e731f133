using System.Diagnostics;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Train;

/// <summary><c>media train tts</c>: the ARDiT voice over the mel VAE's latents (resumable; export to models/ardit-tts).</summary>
internal sealed class TrainTtsCommand : Command<SpeechTrainSettings>
{
    public override int Execute(CommandContext context, SpeechTrainSettings settings, CancellationToken cancellationToken)
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
            BlockSize = 4, Dim = 128, NLayer = 4, NHead = 4, MaxTextLength = 200, MaxFrames = 300,
        };
        var clock = Stopwatch.StartNew();
        var train = ArditTraining.Encode(vae, session.Train, frontEnd.Encode, config.MaxFrames, config.MaxTextLength);
        var test = ArditTraining.Encode(vae, session.Test, frontEnd.Encode, config.MaxFrames, config.MaxTextLength);
        AnsiConsole.WriteLine($"encoded {train.Count} train / {test.Count} held-out clips to latents in {clock.Elapsed.TotalSeconds:F0} s");
        var duration = DurationPredictor.Fit([.. train.Select(e => (e.Text, e.Frames))]);
        var options = session.Options(steps: 4000, batch: 16, learningRate: 1e-3) with { CheckpointEvery = 100, EvalEvery = 250 };
        using var model = new ArditModel(config);
        model.to(session.Device);
        using (var training = new ArditTraining(model, train, test, options))
        {
            training.Trainer.Run(cancellationToken);
            if (cancellationToken.IsCancellationRequested) return 130;
            var metadata = session.Metadata(options, training.Trainer.Step, clock.Elapsed.TotalSeconds);
            using (training.Trainer.Ema?.SwapIn())
                SpeechModelFolder.Save(model, new ArditVoiceConfig { Model = config, Duration = duration, TrainedBlockSizes = [.. training.BlockSizes] }, session.OutputDirectory, metadata);
            var scores = training.Validate();
            session.Report(scores.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
        }
        return 0;
    }
}
