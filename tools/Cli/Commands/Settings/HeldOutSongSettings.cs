using System.ComponentModel;
using Media.Audio.Corpora;
using Media.Hosting;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Settings;

/// <summary>What the song evaluations share: the corpus songs they measure (the held-out range by default) and the models folder.</summary>
internal abstract class HeldOutSongSettings : InferenceSettings
{
    [CommandOption("--seed")]
    [Description("Seed of the first corpus song (song i has seed + i); the default is the held-out range, which no training run draws")]
    [DefaultValue(LyricSongGenerator.FirstHeldOutSeed)]
    public ulong Seed { get; init; } = LyricSongGenerator.FirstHeldOutSeed;

    [CommandOption("--models")]
    [Description("Models folder holding asr-ctc and media-codec (default: the checkout's models/)")]
    public string? Models { get; init; }

    /// <summary>The models folder: <c>--models</c>, or the one the service would read.</summary>
    public string ModelsFolder => Models ?? new MediaOptions().ResolveModelsDirectory();
}

/// <summary>A song evaluation that measures each song's opening, as training cuts it.</summary>
internal abstract class SongOpeningSettings : HeldOutSongSettings
{
    [CommandOption("--seconds")]
    [Description("Each song's opening: the lines sung within this many seconds (as in training)")]
    [DefaultValue(8.0)]
    public double Seconds { get; init; } = 8;
}
