using System.ComponentModel;
using Media.Audio.IO;
using Media.Tokenizers.Audio.Codec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Codec;

/// <summary><c>media codec encode in.wav -o codes.json [--checkpoint PATH] [--bandwidth KBPS]</c>.</summary>
internal sealed class CodecEncodeCommand : Command<CodecEncodeCommand.Settings>
{
    internal sealed class Settings : CodecSettings
    {
        [CommandArgument(0, "<input>")]
        [Description("WAV file to encode (any rate and channel count: it is converted to the codec's)")]
        public string Input { get; init; } = "";

        [CommandOption("-o|--output")]
        [Description("Where to write the codes (JSON)")]
        [DefaultValue("codes.json")]
        public string Output { get; init; } = "codes.json";

        [CommandOption("--bandwidth")]
        [Description("Bandwidth in kbps (chooses the number of codebooks); the codec's largest when omitted")]
        public double? Bandwidth { get; init; }

        public override ValidationResult Validate()
        {
            if (!File.Exists(Input)) return ValidationResult.Error($"Input '{Input}' does not exist.");
            if (Bandwidth is { } b && (!double.IsFinite(b) || b <= 0)) return ValidationResult.Error("--bandwidth must be a positive number of kbps.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        AudioBuffer audio;
        try
        {
            audio = WavFile.Read(settings.Input);
        }
        catch (AudioFormatException e)
        {
            return CodecSettings.Fail($"cannot read {settings.Input}: {e.Message}");
        }
        using var codec = settings.LoadCodec();
        CodecCodes codes;
        try
        {
            codes = codec.Encode(audio, settings.Bandwidth);
        }
        catch (ArgumentException e)
        {
            return CodecSettings.Fail(e.Message);
        }
        File.WriteAllText(settings.Output, codes.ToJson());
        AnsiConsole.MarkupLine(Markup.Escape(FormattableString.Invariant(
            $"{settings.Input}: {audio.DurationSeconds:0.##} s -> {codes.Codebooks} codebooks x {codes.Frames} frames ({codes.BandwidthKbps:0.##} kbps) in {settings.Output}")));
        return 0;
    }
}
