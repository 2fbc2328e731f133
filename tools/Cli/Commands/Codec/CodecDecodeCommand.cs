using System.ComponentModel;
using Media.Audio.IO;
using Media.Tokenizers.Audio.Codec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Codec;

/// <summary><c>media codec decode codes.json -o out.wav [--checkpoint PATH]</c>.</summary>
internal sealed class CodecDecodeCommand : Command<CodecDecodeCommand.Settings>
{
    internal sealed class Settings : CodecSettings
    {
        [CommandArgument(0, "<codes>")]
        [Description("codes.json written by `media codec encode`")]
        public string Input { get; init; } = "";

        [CommandOption("-o|--output")]
        [Description("Where to write the audio (16-bit WAV at the codec's rate)")]
        [DefaultValue("out.wav")]
        public string Output { get; init; } = "out.wav";

        public override ValidationResult Validate() =>
            File.Exists(Input) ? base.Validate() : ValidationResult.Error($"Input '{Input}' does not exist.");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        CodecCodes codes;
        try
        {
            codes = CodecCodes.Parse(File.ReadAllText(settings.Input), settings.Input);
        }
        catch (InvalidDataException e)
        {
            return CodecSettings.Fail(e.Message);
        }
        using var codec = settings.LoadCodec();
        AudioBuffer audio;
        try
        {
            audio = codec.Decode(codes);
        }
        catch (ArgumentException e)
        {
            return CodecSettings.Fail(e.Message);
        }
        WavFile.Write(settings.Output, audio);
        AnsiConsole.MarkupLine(Markup.Escape(FormattableString.Invariant(
            $"{settings.Input}: {codes.Codebooks} codebooks x {codes.Frames} frames -> {audio.DurationSeconds:0.##} s at {audio.SampleRate} Hz in {settings.Output}")));
        return 0;
    }
}
