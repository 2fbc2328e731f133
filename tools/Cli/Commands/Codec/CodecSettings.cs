using System.ComponentModel;
using Media.Cli.Commands.Settings;
using Media.Tokenizers.Audio.Codec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Codec;

/// <summary>What every codec command takes: the checkpoint and where to run it.</summary>
internal abstract class CodecSettings : InferenceSettings
{
    /// <summary>The committed codec, found from the working directory as the CLI is run from the checkout.</summary>
    public const string DefaultCheckpoint = "models/media-codec";

    [CommandOption("--checkpoint")]
    [Description("Codec folder (config.json + model.safetensors) or a public EnCodec checkpoint file, HF or original layout (config.json beside it, else 24 kHz)")]
    [DefaultValue(DefaultCheckpoint)]
    public string Checkpoint { get; init; } = DefaultCheckpoint;

    public override ValidationResult Validate()
    {
        if (!File.Exists(Checkpoint) && !Directory.Exists(Checkpoint))
            return ValidationResult.Error($"--checkpoint '{Checkpoint}' does not exist (train one with `media train codec`, or give an EnCodec checkpoint file).");
        return base.Validate();
    }

    /// <summary>Applies the device settings and loads the codec.</summary>
    public NeuralAudioCodec LoadCodec() => NeuralAudioCodec.Load(Checkpoint, ApplyTorch());

    /// <summary>Prints <paramref name="message"/> as an error and returns the failing exit code.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 1;
    }
}
