using System.ComponentModel;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Training;
using Media.Services.Audio.Speech.Vocoder;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train asr</c>: the CTC recognizer that scores synthesised speech (CER), with its own CER on the real
/// held-out references and, when the VAE and vocoder are trained, its CER, MCD and STOI on their resynthesis.
/// </summary>
internal sealed class TrainAsrCommand : Command<TrainAsrCommand.Settings>
{
    internal sealed class Settings : SpeechTrainSettings
    {
        [CommandOption("--band-limit")]
        [Description("Share of training utterances low-passed at a random cutoff between 3 kHz and Nyquist, so the recognizer also reads band-limited (codec) speech")]
        [DefaultValue(0.0)]
        public double BandLimit { get; init; }

        public override ValidationResult Validate() =>
            BandLimit is < 0 or > 1 ? ValidationResult.Error("--band-limit is a share between 0 and 1.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var config = new CtcRecognizerConfig();
        var session = SpeechTrainingSession.Start(settings, "asr-ctc", config.Mel);
        var options = session.Options(steps: 1200, batch: 8, learningRate: 2e-3);
        using var model = new CtcRecognizer(config);
        model.to(session.Device);
        using (var training = new RecognizerTraining(model, session.Train, session.Test, options, bandLimit: settings.BandLimit))
        {
            training.Trainer.Run(cancellationToken);
            if (cancellationToken.IsCancellationRequested) return 130;
            var metadata = session.Metadata(options, training.Trainer.Step, session.TrainSeconds());
            if (settings.BandLimit > 0) metadata["band_limit"] = settings.BandLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using (training.Trainer.Ema?.SwapIn()) SpeechModelFolder.Save(model, config, session.OutputDirectory, metadata);
        }
        double trainSeconds = session.TrainSeconds();
        using var exported = CtcRecognizer.Load(session.OutputDirectory, session.Device);
        using var features = new SpeechFeatures(config.Mel);
        var clips = session.EvalClips.ToList();
        var results = new Dictionary<string, object>
        {
            ["clips"] = clips.Count,
            ["cer"] = RecognizerEvaluation.Cer(exported, features, clips),
            ["train_cer"] = RecognizerEvaluation.Cer(exported, features, session.Train.Clips.Take(clips.Count)),
            ["train_seconds"] = trainSeconds,
        };
        AddResynthesisCeilings(results, session, exported, clips);
        session.Report(results);
        return 0;
    }

    // What a TTS model on these representations can reach at best: the trained VAE and vocoders resynthesising the references.
    static void AddResynthesisCeilings(Dictionary<string, object> results, SpeechTrainingSession session, CtcRecognizer recognizer, List<SpeechClip> clips)
    {
        string models = Path.GetDirectoryName(Path.GetFullPath(session.OutputDirectory))!;
        string vaeFolder = Path.Combine(models, "tts-mel-vae"), vocoderFolder = Path.Combine(models, "tts-vocoder");
        using var griffinLim = new GriffinLim(recognizer.Config.Mel);
        var vocoders = new List<(string Name, IVocoder Vocoder)> { (SpeechVocoders.GriffinLim, griffinLim) };
        using var istft = File.Exists(Path.Combine(vocoderFolder, "model.safetensors")) ? IstftVocoder.Load(vocoderFolder, session.Device) : null;
        if (istft is not null) vocoders.Add((SpeechVocoders.Istft, istft));
        using var vae = File.Exists(Path.Combine(vaeFolder, "model.safetensors")) ? MelVae.Load(vaeFolder, session.Device) : null;
        foreach (var (name, vocoder) in vocoders)
            foreach (var (route, model) in new[] { ("copy", (MelVae?)null), ("vae", vae) })
            {
                if (route == "vae" && model is null) continue;
                var scores = ResynthesisEvaluation.Evaluate(model, vocoder, recognizer, clips, session.Device);
                results[$"{route}_{name}_cer"] = scores.Cer;
                results[$"{route}_{name}_mcd"] = scores.Mcd;
                results[$"{route}_{name}_stoi"] = scores.Stoi;
            }
    }
}
