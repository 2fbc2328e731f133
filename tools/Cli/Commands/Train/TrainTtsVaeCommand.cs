using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Training;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Train;

/// <summary><c>media train tts-vae</c>: the mel autoencoder whose latents the TTS model generates.</summary>
internal sealed class TrainTtsVaeCommand : Command<SpeechTrainSettings>
{
    public override int Execute(CommandContext context, SpeechTrainSettings settings, CancellationToken cancellationToken)
    {
        var config = new MelVaeConfig();
        var session = SpeechTrainingSession.Start(settings, "tts-mel-vae", config.Mel);
        var options = session.Options(steps: 3000, batch: 12, learningRate: 2e-3);
        using var model = new MelVae(config);
        model.to(session.Device);
        using (var training = new MelVaeTraining(model, session.Train, session.Test, options))
        {
            training.Trainer.Run(cancellationToken);
            if (cancellationToken.IsCancellationRequested) return 130;
            var metadata = session.Metadata(options, training.Trainer.Step, session.TrainSeconds());
            using (training.Trainer.Ema?.SwapIn()) SpeechModelFolder.Save(model, config, session.OutputDirectory, metadata);
        }
        using var exported = MelVae.Load(session.OutputDirectory, session.Device);
        var scores = MelVaeEvaluation.Evaluate(exported, session.EvalClips);
        session.Report(new Dictionary<string, object>
        {
            ["clips"] = scores.Clips,
            ["logmel_l1"] = scores.LogMelL1,
            ["latent_mean"] = scores.LatentMean,
            ["latent_std"] = scores.LatentStd,
            ["latent_rate_hz"] = config.LatentRate,
            ["train_seconds"] = session.TrainSeconds(),
        });
        return 0;
    }
}
