using System.ComponentModel;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Services.Song;
using Media.Services.Song.Data;
using Media.Services.Song.LeVo;
using Media.Services.Song.LeVo.Training;
using Media.Services.Song.Model;
using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Kmeans;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media eval song-conditioning --model DIR -n 32</c>: which parts of its condition a SongGen model reads
/// (<see cref="SongConditionProbe"/>), or a LeVo model's main LM (<see cref="LeVoConditionProbe"/>). n corpus songs (held-out by default; <c>--seed 0</c> gives training songs) are scored
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
        [Description("A SongGen model folder (one mode) or a LeVo one (stage 1's lm/model will do); repeat for one block each")]
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
        var generator = new LyricSongGenerator(codec.Model.Config.SamplingRate);
        var seeds = Enumerable.Range(0, settings.Count).Select(i => settings.Seed + (ulong)i).ToList();
        foreach (var folder in settings.Model)
        {
            if (LeVoCheckpoint.IsLeVoFolder(folder))
            {
                // LeVo: the mixed stream of its main LM, then (once stage 2 is trained) the sub-decoder's tracks, over the songs'
                // codes re-tokenized by the folder's own tokenizer.
                using var levo = LeVoCheckpoint.Load(folder, device);
                using var tokenizer = CodecLatentTokenizer.Load(Path.Combine(folder, LeVoCheckpoint.TokenizerFolder), codec);
                var dataset = new SongTokenDataset(generator, codec, tokenizer.Codebooks * codec.Model.Config.KbpsPerCodebook);
                SongTokenCache Cache(SongMode mode) => new(settings.Cache, dataset, mode, settings.Seconds, codec.Model.Config.FrameRate);
                var config = levo.Config;
                bool tracks = config.DecoderSteps > 0;
                var data = new LeVoTokenDataset(Cache(SongMode.MixedPro), tracks ? Cache(SongMode.Parallel) : null, tokenizer);
                var examples = seeds.Select(data.Get).ToList();
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(folder)}[/] (levo, main LM {config.LmSteps} steps: the mixed stream), {settings.Count} songs from seed {settings.Seed}");
                Report(settings, config.TokenRate, tokens => LeVoConditionProbe.Measure(levo, examples, tokens, LeVoStage.Lm, cancellationToken));
                if (tracks)
                {
                    AnsiConsole.MarkupLine($"[bold]{Markup.Escape(folder)}[/] (levo, sub-decoder {config.DecoderSteps} steps: the vocal and accompaniment streams)");
                    Report(settings, config.TokenRate, tokens => LeVoConditionProbe.Measure(levo, examples, tokens, LeVoStage.Decoder, cancellationToken));
                }
                continue;
            }
            using var model = SongGenCheckpoint.Load(folder, device);
            var songConfig = model.Config;
            var cache = new SongTokenCache(settings.Cache, new SongTokenDataset(generator, codec, songConfig.BandwidthKbps),
                songConfig.SongMode, settings.Seconds, songConfig.FrameRate);
            var songs = seeds.Select(cache.Get).ToList();
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(folder)}[/] ({songConfig.Mode}, {songConfig.TrainedSteps} steps), {settings.Count} songs from seed {settings.Seed}");
            Report(settings, songConfig.FrameRate, frames => SongConditionProbe.Measure(model, songs, frames, cancellationToken));
        }
        return 0;
    }

    /// <summary>The whole songs' block, then the opening's: each variant's loss and gain, and the headline gains.</summary>
    static void Report(Settings settings, double stepsPerSecond, Func<int?, IReadOnlyList<ConditionLoss>> measure)
    {
        int openingSteps = (int)Math.Round(settings.Opening * stepsPerSecond);
        var spans = new List<(string Name, int? Steps)> { ("whole", null) };
        if (openingSteps > 0) spans.Add((string.Create(CultureInfo.InvariantCulture, $"opening {settings.Opening:0.##} s"), openingSteps));
        foreach (var (span, steps) in spans)
        {
            var losses = measure(steps);
            var own = losses.Single(l => l.Variant == ConditionVariant.Own);
            double Gain(ConditionVariant v) => losses.Single(l => l.Variant == v).Mean - own.Mean;
            Console.WriteLine($"{span}: condition   loss    gain    per codebook");
            foreach (var loss in losses)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {Name(loss.Variant),-18} {loss.Mean,-7:F4} {loss.Mean - own.Mean,-7:F4} {string.Join(" ", loss.Codebooks.Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}"));
            string prefix = steps is null ? "" : "opening ";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}tempo gain: {Gain(ConditionVariant.OtherTempo):F4}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}key gain: {Gain(ConditionVariant.OtherKey):F4}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}description gain: {Gain(ConditionVariant.OtherDescription):F4}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}lyrics gain: {Gain(ConditionVariant.OtherLyrics):F4}"));
        }
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
