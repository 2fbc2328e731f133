using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Services.Song;
using Media.Services.Song.Data;
using Media.Services.Song.Model;
using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Codec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train songgen</c>: trains a SongGen model in one mode on the sung-lyrics corpus, its songs encoded by our codec
/// (the token dataset cached in the run folder); resumes from the run folder; exports the model folder at the end (or
/// when <c>--minutes</c> run out). The recipe is <see cref="SongGenTraining"/>.
/// </summary>
internal sealed class SongGenTrainCommand : Command<SongGenTrainCommand.Settings>
{
    internal sealed class Settings : SongTrainingSettings
    {
        [CommandOption("--mode")]
        [Description("mixed, mixed-pro, parallel, parallel-a-v, parallel-v-a, interleaving-a-v or interleaving-v-a")]
        [DefaultValue("mixed")]
        public string Mode { get; init; } = "mixed";

        [CommandOption("--run")]
        [Description("Run folder (checkpoints, train.jsonl, the cached token dataset); an existing run resumes")]
        [DefaultValue("runs/songgen")]
        public override string Run { get; init; } = "runs/songgen";

        [CommandOption("--encoder-layers")]
        [Description("Blocks of the description and of the lyrics encoder")]
        [DefaultValue(2)]
        public int EncoderLayers { get; init; } = 2;

        [CommandOption("--reference-voice")]
        [Description("Add the reference-voice encoder (trained on clips of the vocal stem in dual-track and mixed-pro modes)")]
        public bool ReferenceVoice { get; init; }

        [CommandOption("--opening-weight")]
        [Description("Loss weight of each song's first --opening-seconds against the rest (default 1, the paper's: none)")]
        public double? OpeningWeight { get; init; }

        [CommandOption("--opening-seconds")]
        [Description("The opening --opening-weight weights")]
        [DefaultValue(1.0)]
        public double OpeningSeconds { get; init; } = 1;

        [CommandOption("--codebook-weights")]
        [Description("Codebook loss weights to start from, comma-separated, one a codebook (normalised, annealed toward uniform as SongGen's); default SongGen's: the first three 5x the rest")]
        public string? CodebookWeights { get; init; }

        internal double[]? InitialCodebookWeights => CodebookWeights is null ? null
            : [.. CodebookWeights.Split(',', StringSplitOptions.TrimEntries).Select(w => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)];

        [CommandOption("--fine-input-dropout")]
        [Description("Share of songs a step whose input hides every codebook but the first (the targets kept); default none, SongGen's")]
        public double? FineInputDropout { get; init; }

        [CommandOption("--cache-only")]
        [Description("Only make the run's token cache (every training song generated and encoded), then stop: a host without espeak-ng (a GPU host) trains from it")]
        public bool CacheOnly { get; init; }

        public override ValidationResult Validate()
        {
            if (!SongModes.All.Contains(Mode)) return ValidationResult.Error($"--mode must be one of {string.Join(", ", SongModes.All)}.");
            try
            {
                CodebookLossWeights.Check(InitialCodebookWeights, Codebooks);
            }
            catch (ArgumentException)
            {
                return ValidationResult.Error($"--codebook-weights takes {Codebooks} non-negative numbers (one per codebook), not all zero.");
            }
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var codec = NeuralAudioCodec.Load(settings.Codec);
        var codecConfig = codec.Model.Config;
        double kbps = settings.Codebooks * codecConfig.KbpsPerCodebook;
        var config = new SongGenConfig
        {
            Mode = settings.Mode, Codebooks = settings.Codebooks, CodebookSize = codecConfig.CodebookSize, FrameRate = codecConfig.FrameRate,
            SampleRate = codecConfig.SamplingRate, BandwidthKbps = kbps, Dim = settings.Dim, Layers = settings.Layers, Heads = settings.Heads,
            DescriptionLayers = settings.EncoderLayers, LyricsLayers = settings.EncoderLayers, ReferenceVoice = settings.ReferenceVoice,
            MaxFrames = settings.MaxSeconds * codecConfig.FrameRate,
        };
        config.Validate();
        var options = new SongGenTrainingOptions
        {
            Songs = settings.Songs, Batch = settings.Batch, Seconds = settings.Seconds,
            OpeningWeight = settings.OpeningWeight, OpeningSeconds = settings.OpeningWeight is null ? null : settings.OpeningSeconds,
            InitialCodebookWeights = settings.InitialCodebookWeights,
            FineInputDropout = settings.FineInputDropout,
        };
        options.Validate();
        settings.PinRunConfig("songgen.json", config.ToJson() + "\n" + System.Text.Json.JsonSerializer.Serialize(options));
        var cache = new SongTokenCache(settings.Run, new SongTokenDataset(new LyricSongGenerator(codecConfig.SamplingRate), codec, kbps),
            config.SongMode, settings.Seconds, config.FrameRate);

        var clock = Stopwatch.StartNew();
        if (settings.CacheOnly)
        {
            cache.Fill(settings.Songs, done =>
            {
                if (done % 16 == 0 || done == settings.Songs)
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:hh\\:mm\\:ss}] {done} of {settings.Songs} songs cached"));
            }, cancellationToken);
            AnsiConsole.MarkupLine($"token cache: [bold]{Markup.Escape(cache.Folder)}[/]");
            return cancellationToken.IsCancellationRequested ? 130 : 0;
        }
        var schedule = settings.Schedule("tokens") with { Progress = null, EvalEvery = settings.EvalEvery };
        using var training = new SongGenTraining(config, options, cache, schedule, device, (step, loss) =>
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] step {step + 1}  loss {loss.Total.item<float>():F4}  codebooks {string.Join(" ", loss.Codebooks.Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}{(loss.Vocal is { } v ? $"  vocal {v:F3}" : "")}")));
        if (settings.EvalEvery > 0)
        {
            var heldOut = Enumerable.Range(0, settings.EvalN).Select(i => cache.Get(LyricSongGenerator.FirstHeldOutSeed + (ulong)i)).ToList();
            int openingFrames = (int)Math.Round(settings.OpeningSeconds * config.FrameRate);
            training.Trainer.Evaluate = settings.HeldOutEvaluation(clock, settings.Run, () => SongConditionProbe.Metrics(training.Model, heldOut, openingFrames), training.Export);
        }
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"SongGen {settings.Mode}, {settings.Dim}x{settings.Layers}, K={settings.Codebooks}, {settings.Songs} songs of {settings.Seconds} s");
        training.Run(settings.Budget, settings.Until, cancellationToken);
        string export = settings.Export ?? Path.Combine(settings.Run, "model");
        if (settings.KeepsBestAt(export)) AnsiConsole.MarkupLine($"kept the lowest held-out loss's model in [bold]{Markup.Escape(export)}[/]");
        else training.Export(export);
        AnsiConsole.MarkupLine($"trained to step {training.Trainer.Step} of {settings.Steps}; exported [bold]{Markup.Escape(export)}[/]");
        return 0;
    }
}
