using System.ComponentModel;
using System.Globalization;
using Media.Audio.IO;
using Media.Hosting;
using Media.Modeling.Devices;
using Media.Modeling.Diffusion;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Editing;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Recognizer;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Speech;

/// <summary>
/// <c>media generate speech-edit --audio in.wav --transcript "..." --text "..." -o out.wav</c>: what a speech-edit job does,
/// locally. The words that differ between the transcript and the new text are re-spoken in the recording's voice
/// (fill-in-the-middle with <c>ardit-tts-fim</c>, the default when it is present).
/// </summary>
internal sealed class EditSpeechCommand : Command<EditSpeechCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--audio")][Description("The recording to edit: a WAV file (any rate and channel count)")] public string Audio { get; init; } = "";
        [CommandOption("--transcript")][Description("What the recording says")] public string Transcript { get; init; } = "";
        [CommandOption("--text")][Description("What it should say: the transcript with the words to change changed")] public string Text { get; init; } = "";
        [CommandOption("-o|--output")][DefaultValue("speech-edit.wav")] public string Output { get; init; } = "speech-edit.wav";
        [CommandOption("--model")][Description("ardit-tts-fim (trained with fill-in-the-middle; the default when present), ardit-tts or ardit-tts-1step")] public string? Model { get; init; }
        [CommandOption("--method")][Description("fill-in-middle or left-context (default: fill-in-middle where the voice was trained for it)")] public string? Method { get; init; }
        [CommandOption("--steps")][Description("Flow steps per block (default: 8; the distilled voice takes 1)")] public int? Steps { get; init; }
        [CommandOption("--seed")][DefaultValue(0L)] public long Seed { get; init; }
        [CommandOption("--device")][DefaultValue("cpu")] public string Device { get; init; } = "cpu";

        public override ValidationResult Validate()
        {
            if (!File.Exists(Audio)) return ValidationResult.Error($"--audio: the recording '{Audio}' does not exist.");
            if (string.IsNullOrWhiteSpace(Transcript) || string.IsNullOrWhiteSpace(Text)) return ValidationResult.Error("--transcript and --text are both needed.");
            if (Method is not (null or SpeechEditJobKind.FillInMiddle or SpeechEditJobKind.LeftContext))
                return ValidationResult.Error($"--method must be {SpeechEditJobKind.FillInMiddle} or {SpeechEditJobKind.LeftContext}.");
            if (Model is not (null or ArditVoice.Teacher or ArditVoice.Student or ArditVoice.Infilling))
                return ValidationResult.Error($"--model must be {ArditVoice.Infilling}, {ArditVoice.Teacher} or {ArditVoice.Student}.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string models = new MediaOptions().ResolveModelsDirectory();
        var device = DeviceSelector.Resolve(settings.Device);
        string model = settings.Model ?? (SpeechModelFolder.Exists(Path.Combine(models, ArditVoice.Infilling)) ? ArditVoice.Infilling : ArditVoice.Teacher);
        try
        {
            var audio = WavFile.Read(settings.Audio);
            using var speech = ArditVoice.Load(models, device, model);
            using var encoder = SpeechPromptEncoder.Load(models, device);
            using var recognizer = CtcRecognizer.Load(Path.Combine(models, ArditVoice.Aligner), device);
            using var aligner = new CtcTextAligner(recognizer);
            SpeechEditMethod? method = settings.Method switch
            {
                SpeechEditJobKind.FillInMiddle => SpeechEditMethod.FillInMiddle,
                SpeechEditJobKind.LeftContext => SpeechEditMethod.LeftContext,
                _ => null,
            };
            var sampling = new ArditSamplingOptions { Steps = settings.Steps ?? speech.OnlySteps ?? ArditSpeechGenerator.DefaultSteps, Solver = FlowSolver.Euler, Seed = settings.Seed };
            var (result, plan) = new SpeechEditor(speech, encoder, aligner).Edit(audio, settings.Transcript, settings.Text, sampling, method, cancellationToken: cancellationToken);
            WavFile.Write(settings.Output, AudioBuffer.FromMono(result.Samples, result.SampleRate));
            double rate = speech.FrameRate;
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{settings.Output}: {result.DurationSeconds:F2} s; \"{plan.Edit.OldSpan.Trim()}\" -> \"{plan.Edit.NewSpan.Trim()}\" at {plan.SpanStart / rate:F2}-{plan.SpanEnd / rate:F2} s ({model}, {(plan.Method == SpeechEditMethod.FillInMiddle ? SpeechEditJobKind.FillInMiddle : SpeechEditJobKind.LeftContext)}; regenerated {plan.KeepFrames / rate:F2}-{plan.SuffixStart / rate:F2} s)"));
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or AudioFormatException or FileNotFoundException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }
}
