using System.ComponentModel;
using System.Globalization;
using Media.Audio.IO;
using Media.Hosting;
using Media.Modeling.Devices;
using Media.Services.Audio.Speech.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Speech;

/// <summary><c>media generate speech "text" -o out.wav</c> with the committed ARDiT voice.</summary>
internal sealed class GenerateSpeechCommand : Command<GenerateSpeechCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<text>")] public string Text { get; init; } = "";
        [CommandOption("-o|--output")][DefaultValue("speech.wav")] public string Output { get; init; } = "speech.wav";
        [CommandOption("--duration")][Description("Seconds (default: the duration predictor)")] public double? Duration { get; init; }
        [CommandOption("--steps")][DefaultValue(8)] public int Steps { get; init; } = 8;
        [CommandOption("--block-size")][Description("Latent frames per AR step (1 or 4)")] public int? BlockSize { get; init; }
        [CommandOption("--seed")][DefaultValue(0L)] public long Seed { get; init; }
        [CommandOption("--device")][DefaultValue("cpu")] public string Device { get; init; } = "cpu";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var speech = ArditVoice.Load(new MediaOptions().ResolveModelsDirectory(), DeviceSelector.Resolve(settings.Device));
        var result = speech.Synthesize(new SpeechRequest
        {
            Text = settings.Text, DurationSeconds = settings.Duration,
            Sampling = new ArditSamplingOptions { Steps = settings.Steps, BlockSize = settings.BlockSize, Seed = settings.Seed },
        }, cancellationToken: cancellationToken);
        WavFile.Write(settings.Output, AudioBuffer.FromMono(result.Samples, result.SampleRate));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{settings.Output}: {result.DurationSeconds:F2} s, time to first audio ms: {result.TimeToFirstAudio.TotalMilliseconds:F0}, rtf: {result.Elapsed.TotalSeconds / result.DurationSeconds:F3}"));
        return 0;
    }
}
