using System.ComponentModel;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Training;
using Media.Services.Audio.Speech.Vocoder;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train tts-vocoder</c>: the iSTFT vocoder, then copy-synthesis scores of it and of Griffin-Lim
/// on the held-out clips; the default is the one that wins at least two of the three measures.
/// </summary>
internal sealed class TrainTtsVocoderCommand : Command<TrainTtsVocoderCommand.Settings>
{
    internal sealed class Settings : SpeechTrainSettings
    {
        [CommandOption("--griffin-lim-iterations")]
        [Description("Iterations of the Griffin-Lim baseline it is compared with")]
        [DefaultValue(32)]
        public int GriffinLimIterations { get; init; } = 32;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var config = new IstftVocoderConfig();
        var session = SpeechTrainingSession.Start(settings, "tts-vocoder", config.Mel);
        var options = session.Options(steps: 3000, batch: 8, learningRate: 1e-3);
        using var model = new IstftVocoder(config);
        model.to(session.Device);
        using (var training = new VocoderTraining(model, session.Train, session.Test, options))
        {
            training.Trainer.Run(cancellationToken);
            if (cancellationToken.IsCancellationRequested) return 130;
            var metadata = session.Metadata(options, training.Trainer.Step, session.TrainSeconds());
            using (training.Trainer.Ema?.SwapIn()) SpeechModelFolder.Save(model, config, session.OutputDirectory, metadata);
        }
        double trainSeconds = session.TrainSeconds();
        using var exported = IstftVocoder.Load(session.OutputDirectory, session.Device);
        var neural = VocoderEvaluation.Evaluate(exported, session.EvalClips, session.Device);
        using var griffinLim = new GriffinLim(config.Mel, settings.GriffinLimIterations);
        var baseline = VocoderEvaluation.Evaluate(griffinLim, session.EvalClips, session.Device);
        int wins = (neural.MelDistance < baseline.MelDistance ? 1 : 0) + (neural.MultiResolutionStft < baseline.MultiResolutionStft ? 1 : 0) + (neural.Stoi > baseline.Stoi ? 1 : 0);
        session.Report(new Dictionary<string, object>
        {
            ["clips"] = neural.Clips,
            ["istft_mel_distance"] = neural.MelDistance,
            ["istft_mrstft"] = neural.MultiResolutionStft,
            ["istft_stoi"] = neural.Stoi,
            ["istft_rtf"] = neural.RealTimeFactor,
            ["griffin_lim_iterations"] = settings.GriffinLimIterations,
            ["griffin_lim_mel_distance"] = baseline.MelDistance,
            ["griffin_lim_mrstft"] = baseline.MultiResolutionStft,
            ["griffin_lim_stoi"] = baseline.Stoi,
            ["griffin_lim_rtf"] = baseline.RealTimeFactor,
            ["default"] = wins >= 2 ? SpeechVocoders.Istft : SpeechVocoders.GriffinLim,
            ["train_seconds"] = trainSeconds,
        });
        return 0;
    }
}
