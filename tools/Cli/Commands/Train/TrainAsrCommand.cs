using System.Diagnostics;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Training;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Train;

/// <summary><c>media train asr</c>: the CTC recognizer that scores synthesised speech (CER), with its own CER on the real held-out references.</summary>
internal sealed class TrainAsrCommand : Command<SpeechTrainSettings>
{
    public override int Execute(CommandContext context, SpeechTrainSettings settings, CancellationToken cancellationToken)
    {
        var config = new CtcRecognizerConfig();
        var session = SpeechTrainingSession.Start(settings, "asr-ctc", config.Mel);
        var options = session.Options(steps: 2000, batch: 8, learningRate: 2e-3);
        using var model = new CtcRecognizer(config);
        model.to(session.Device);
        var clock = Stopwatch.StartNew();
        using (var training = new RecognizerTraining(model, session.Train, session.Test, options))
        {
            training.Trainer.Run(cancellationToken);
            if (cancellationToken.IsCancellationRequested) return 130;
            var metadata = session.Metadata(options, training.Trainer.Step, clock.Elapsed.TotalSeconds);
            using (training.Trainer.Ema?.SwapIn()) SpeechModelFolder.Save(model, config, session.OutputDirectory, metadata);
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        using var exported = CtcRecognizer.Load(session.OutputDirectory, session.Device);
        using var features = new SpeechFeatures(config.Mel);
        var clips = session.EvalClips.ToList();
        session.Report(new Dictionary<string, object>
        {
            ["clips"] = clips.Count,
            ["cer"] = RecognizerEvaluation.Cer(exported, features, clips),
            ["train_cer"] = RecognizerEvaluation.Cer(exported, features, session.Train.Clips.Take(clips.Count)),
            ["train_seconds"] = trainSeconds,
        });
        return 0;
    }
}
