using Media.Modeling.Training;
using TorchSharp;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train tts-distill</c>: ARDiT's distribution-matching distillation of the voice into a one-step student
/// (resumable; export to models/ardit-tts-1step, served as that model id at <c>steps: 1</c>).
/// </summary>
internal sealed class TrainTtsDistillCommand : Command<TrainTtsDistillSettings>
{
    public override int Execute(CommandContext context, TrainTtsDistillSettings settings, CancellationToken cancellationToken)
    {
        string modelsDirectory = new Media.Hosting.MediaOptions().ResolveModelsDirectory();
        string teacherFolder = settings.Teacher ?? Path.Combine(modelsDirectory, ArditVoice.Teacher);
        var voice = SpeechModelFolder.ReadConfig<ArditVoiceConfig>(teacherFolder);
        if (voice.Steps is not null)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(teacherFolder)} is itself a distilled voice;[/] distil the voice trained on data.");
            return 1;
        }
        int blockSize = settings.BlockSize ?? voice.Model.BlockSize;
        if (!voice.TrainedBlockSizes.Contains(blockSize))
        {
            AnsiConsole.MarkupLine($"[red]--block-size {blockSize}[/] is not one the teacher was trained with ({string.Join(", ", voice.TrainedBlockSizes)}).");
            return 1;
        }
        string vaeFolder = Path.Combine(modelsDirectory, voice.LatentModel);
        var vaeConfig = SpeechModelFolder.ReadConfig<MelVaeConfig>(vaeFolder);
        var session = SpeechTrainingSession.Start(settings, ArditVoice.Student, vaeConfig.Mel);
        List<ArditExample> train, test;
        using (var vae = MelVae.Load(vaeFolder, session.Device))
            (train, test) = TrainTtsCommand.Examples(session, vae, voice.Model, modelsDirectory);
        var options = session.Options(steps: 1500, batch: 8, learningRate: 1e-4) with { CheckpointEvery = 50, EvalEvery = 100, WarmupSteps = 50 };

        using var teacher = new ArditModel(voice.Model);
        SpeechModelFolder.LoadWeights(teacher, teacherFolder, session.Device, ArditModel.CheckpointRenames);
        using var pair = new ArditDistillationPair(voice.Model);
        // Both start as the teacher; a resumed run then loads its checkpoint over them.
        SpeechModelFolder.LoadWeights(pair.Student, teacherFolder, session.Device, ArditModel.CheckpointRenames);
        SpeechModelFolder.LoadWeights(pair.FakeScore, teacherFolder, session.Device, ArditModel.CheckpointRenames);
        pair.to(session.Device);
        using var distillation = new ArditDistillation(teacher, pair, train, test, options, blockSize);
        if (distillation.Trainer.ResumedFromStep is null) AnsiConsole.WriteLine($"student and fake score start from {teacherFolder}; block size {blockSize}");
        distillation.Trainer.Run(cancellationToken);
        if (cancellationToken.IsCancellationRequested) return 130;
        var metadata = session.Metadata(options, distillation.Trainer.Step, session.TrainSeconds());
        metadata["teacher"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(teacherFolder));
        IReadOnlyDictionary<string, double> scores;
        using (distillation.Trainer.Ema?.SwapIn())
        {
            // The student serves one block size: it is also its configured B, what a job without block_size gets.
            SpeechModelFolder.Save(pair.Student, voice with { Model = voice.Model with { BlockSize = blockSize }, TrainedBlockSizes = [blockSize], Steps = 1, Teacher = metadata["teacher"] },
                session.OutputDirectory, metadata);
            scores = distillation.Validate();   // the exported (EMA) weights
        }
        session.Report(scores.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
        return 0;
    }
}
