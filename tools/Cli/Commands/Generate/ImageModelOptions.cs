using System.ComponentModel;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Generate;

/// <summary>Where the Token-Shuffle model and its VQ tokenizer are read from.</summary>
internal class ImageModelOptions : InferenceSettings
{
    [CommandOption("--shuffle")]
    [Description("Token-Shuffle window s: reads models/token-shuffle (when it has this s) or models/token-shuffle-s<s>")]
    public int? Shuffle { get; init; }

    [CommandOption("--model")]
    [Description("Model folder (overrides --shuffle)")]
    public string? Model { get; init; }

    [CommandOption("--vq")]
    [Description("VQ tokenizer folder (default: the model's own tokenizer/ subfolder, else models/image-vq)")]
    public string? Vq { get; init; }

    /// <summary>The model folder these options name.</summary>
    public string ModelDirectory()
    {
        if (Model is { } explicitFolder) return explicitFolder;
        string standard = Path.Combine("models", TokenShuffleGenerator.ModelFolder);
        if (Shuffle is not { } s) return standard;
        var config = File.Exists(Path.Combine(standard, "config.json"))
            ? Services.Image.TokenShuffle.TokenShuffleCheckpoint.ReadConfig(standard) : null;
        return config?.Shuffle == s ? standard : Path.Combine("models", $"{TokenShuffleGenerator.ModelFolder}-s{s}");
    }

    /// <summary>The VQ folder: given, or the one the model was trained with.</summary>
    public string VqDirectory() =>
        Vq ?? TokenShuffleGenerator.VqDirectoryFor(ModelDirectory(), Path.Combine("models", TokenShuffleGenerator.VqFolder));

    public override ValidationResult Validate() =>
        Shuffle is { } s && s is not (1 or 2 or 4) ? ValidationResult.Error("--shuffle must be 1, 2 or 4.")
        : base.Validate();
}
