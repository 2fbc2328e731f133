using Media.Modeling.Diffusion;
using System.ComponentModel;
using System.Globalization;
using Media.Audio.Formats;
using Media.Audio.IO;
using Media.Hosting;
using Media.Modeling.Devices;
using Media.Services.Audio.Speech.Generation;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Speech;

/// <summary>
/// <c>media generate speech "text" -o out.wav</c> with the committed ARDiT voice, in any output format of
/// shared/Audio's encoders (<c>--format mp3</c>, or the <c>-o</c> file's extension); with <c>--prompt-wav clip.wav --prompt-text "..."</c>
/// the speech continues the clip in its voice (zero-shot), and only the new speech is written.
/// </summary>
internal sealed class GenerateSpeechCommand : Command<GenerateSpeechCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<text>")] public string Text { get; init; } = "";
        [CommandOption("-o|--output")][DefaultValue("speech.wav")] public string Output { get; init; } = "speech.wav";
        [CommandOption("--duration")][Description("Seconds of new speech (default: the duration predictor)")] public double? Duration { get; init; }
        [CommandOption("--steps")][Description("Flow steps per block (default: 8; the distilled voice takes 1)")] public int? Steps { get; init; }
        [CommandOption("--model")][Description("ardit-tts (the voice trained on data), ardit-tts-1step (distilled to one network evaluation per block) or ardit-tts-fim (trained with fill-in-the-middle)")][DefaultValue("ardit-tts")] public string Model { get; init; } = "ardit-tts";
        [CommandOption("--solver")][Description("Flow ODE solver: euler or adams2")][DefaultValue("euler")] public string Solver { get; init; } = "euler";
        [CommandOption("--block-size")][Description("Latent frames per AR step (1 or 4)")] public int? BlockSize { get; init; }
        [CommandOption("--seed")][DefaultValue(0L)] public long Seed { get; init; }
        [CommandOption("--prompt-wav")][Description("A WAV clip of the voice to continue (any rate and channel count); needs --prompt-text")] public string? PromptWav { get; init; }
        [CommandOption("--prompt-text")][Description("What the --prompt-wav clip says")] public string? PromptText { get; init; }
        [CommandOption("--device")][DefaultValue("cpu")] public string Device { get; init; } = "cpu";
        [CommandOption("--format")][Description("Output format: mp3, aac, flac, opus, wav or pcm (default: the -o extension, else wav)")] public string? Format { get; init; }

        /// <summary>The format asked for, else the one the output's extension names, else WAV.</summary>
        public string OutputFormat => Format ?? AudioFormat.All.FirstOrDefault(f => Output.EndsWith("." + f.Extension, StringComparison.OrdinalIgnoreCase))?.Name ?? "wav";

        public override ValidationResult Validate()
        {
            if (PromptWav is not null && string.IsNullOrWhiteSpace(PromptText))
                return ValidationResult.Error("--prompt-wav needs --prompt-text: the transcript of the clip.");
            if (PromptText is not null && PromptWav is null)
                return ValidationResult.Error("--prompt-text needs --prompt-wav: the clip it transcribes.");
            if (PromptWav is not null && !File.Exists(PromptWav))
                return ValidationResult.Error($"The prompt clip '{PromptWav}' does not exist.");
            if (Model is not (ArditVoice.Teacher or ArditVoice.Student or ArditVoice.Infilling))
                return ValidationResult.Error($"--model must be {ArditVoice.Teacher}, {ArditVoice.Student} or {ArditVoice.Infilling}, not '{Model}'.");
            if (Steps is < 1) return ValidationResult.Error("--steps must be positive.");
            try { _ = FlowSolverNames.Parse(Solver, "--solver"); }
            catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
            if (AudioFormat.Find(OutputFormat) is null)
                return ValidationResult.Error($"--format must be one of {string.Join(", ", AudioFormat.All.Select(f => f.Name))}; got '{OutputFormat}'.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // A missing encoder fails before the voice is loaded, naming the package that brings it.
        var encoders = AudioEncoders.Detect();
        if (!encoders.IsAvailable(settings.OutputFormat)) return Fail(new EncoderUnavailableException(AudioFormat.Find(settings.OutputFormat)!).Message);
        string models = new MediaOptions().ResolveModelsDirectory();
        var device = DeviceSelector.Resolve(settings.Device);
        using var scope = NewDisposeScope();
        SpeechResult result;
        try
        {
            Tensor? prompt = null;
            if (settings.PromptWav is { } wav)
            {
                // The clip is read and encoded first: a bad clip fails before the voice is loaded.
                using var encoder = SpeechPromptEncoder.Load(models, device);
                prompt = encoder.Encode(wav);
            }
            var speech = ArditVoice.Load(models, device, settings.Model);
            result = speech.Synthesize(new SpeechRequest
            {
                Text = settings.Text, DurationSeconds = settings.Duration,
                Sampling = new ArditSamplingOptions
                {
                    Steps = settings.Steps ?? speech.OnlySteps ?? ArditSpeechGenerator.DefaultSteps, Solver = FlowSolverNames.Parse(settings.Solver, "--solver"), BlockSize = settings.BlockSize, Seed = settings.Seed,
                },
                PromptLatents = prompt, PromptTranscript = settings.PromptText,
            }, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or AudioFormatException or FileNotFoundException)
        {
            // Bad input or an untrained model: the message says which; a stack trace would not help.
            return Fail(e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message);
        }
        var audio = AudioBuffer.FromMono(result.Samples, result.SampleRate);
        if (settings.OutputFormat == "wav")
        {
            WavFile.Write(settings.Output, audio);
        }
        else
        {
            using var encoder = encoders.Create(settings.OutputFormat);
            File.WriteAllBytes(settings.Output, encoder.EncodeAll(Pcm16.Interleave(audio), audio.SampleRate, audio.ChannelCount));
        }
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{settings.Output}: {result.DurationSeconds:F2} s, time to first audio ms: {result.TimeToFirstAudio.TotalMilliseconds:F0}, rtf: {result.Elapsed.TotalSeconds / result.DurationSeconds:F3}"));
        return 0;
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 1;
    }
}
