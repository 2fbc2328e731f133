using System.ComponentModel;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Services.Song.Data;
using Media.Services.Song.Model;
using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Codec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media eval song-conditioning --model DIR -n 32</c>: which parts of its condition a SongGen model reads
/// (<see cref="SongConditionProbe"/>). n corpus songs (held-out by default; <c>--seed 0</c> gives training songs) are scored
/// teacher-forced under their own condition, then with the tempo, the key, the whole description or the lyrics swapped,
/// and with none. Each swap's gain is its loss minus the own condition's, in nats per token.
/// </summary>
internal sealed class SongConditioningEvalCommand : Command<SongConditioningEvalCommand.Settings>
{
    internal sealed class Settings : SongOpeningSettings
    {
        [CommandOption("-n|--count")]
        [DefaultValue(32)]
        public int Count { get; init; } = 32;

        [CommandOption("--model")]
        [Description("A SongGen model folder (one mode); repeat for one block each")]
        public string[] Model { get; init; } = [];

        [CommandOption("--opening")]
        [Description("Also score each song's first this many seconds alone (0: only the whole)")]
        [DefaultValue(1.0)]
        public double Opening { get; init; } = 1;

        [CommandOption("--cache")]
        [Description("Folder that keeps the songs' tokens between runs (as a training run's tokens/)")]
        [DefaultValue("runs/song-conditioning")]
        public string Cache { get; init; } = "runs/song-conditioning";

        public override ValidationResult Validate() =>
            Count < 2 ? ValidationResult.Error("-n must be at least 2.")
            : Model.Length == 0 ? ValidationResult.Error("Give at least one --model.")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        string models = settings.ModelsFolder;
        using var codec = NeuralAudioCodec.Load(Path.Combine(models, "media-codec"));
        foreach (var folder in settings.Model)
        {
            using var model = SongGenCheckpoint.Load(folder, device);
            var config = model.Config;
            var cache = new SongTokenCache(settings.Cache, new SongTokenDataset(new LyricSongGenerator(config.SampleRate), codec, config.BandwidthKbps),
                config.SongMode, settings.Seconds, config.FrameRate);
            var songs = Enumerable.Range(0, settings.Count).Select(i => cache.Get(settings.Seed + (ulong)i)).ToList();
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(folder)}[/] ({config.Mode}, {config.TrainedSteps} steps), {settings.Count} songs from seed {settings.Seed}");
            int openingFrames = (int)Math.Round(settings.Opening * config.FrameRate);
            var spans = new List<(string Name, int? Frames)> { ("whole", null) };
            if (openingFrames > 0) spans.Add((string.Create(CultureInfo.InvariantCulture, $"opening {settings.Opening:0.##} s"), openingFrames));
            foreach (var (span, frames) in spans)
            {
                var losses = SongConditionProbe.Measure(model, songs, frames, cancellationToken);
                var own = losses.Single(l => l.Variant == ConditionVariant.Own);
                double Gain(ConditionVariant v) => losses.Single(l => l.Variant == v).Mean - own.Mean;
                Console.WriteLine($"{span}: condition   loss    gain    per codebook");
                foreach (var loss in losses)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {Name(loss.Variant),-18} {loss.Mean,-7:F4} {loss.Mean - own.Mean,-7:F4} {string.Join(" ", loss.Codebooks.Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}"));
                string prefix = frames is null ? "" : "opening ";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}tempo gain: {Gain(ConditionVariant.OtherTempo):F4}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}key gain: {Gain(ConditionVariant.OtherKey):F4}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}description gain: {Gain(ConditionVariant.OtherDescription):F4}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}lyrics gain: {Gain(ConditionVariant.OtherLyrics):F4}"));
            }
        }
        return 0;
    }

    static string Name(ConditionVariant variant) => variant switch
    {
        ConditionVariant.Own => "own",
        ConditionVariant.OtherTempo => "other tempo",
        ConditionVariant.OtherKey => "other key",
        ConditionVariant.OtherDescription => "other description",
        ConditionVariant.OtherLyrics => "other lyrics",
        _ => "none",
    };
}
