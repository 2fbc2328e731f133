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
    internal sealed class Settings : TrainingRunSettings
    {
        [CommandOption("--mode")]
        [Description("mixed, mixed-pro, parallel, parallel-a-v, parallel-v-a, interleaving-a-v or interleaving-v-a")]
        [DefaultValue("mixed")]
        public string Mode { get; init; } = "mixed";

        [CommandOption("--run")]
        [Description("Run folder (checkpoints, train.jsonl, the cached token dataset); an existing run resumes")]
        [DefaultValue("runs/songgen")]
        public override string Run { get; init; } = "runs/songgen";

        [CommandOption("--export")]
        [Description("Folder to write config.json and model.safetensors (fp16) to; default: RUN/model")]
        public string? Export { get; init; }

        [CommandOption("--codec")]
        [Description("The codec folder whose tokens the model predicts")]
        [DefaultValue("models/media-codec")]
        public string Codec { get; init; } = "models/media-codec";

        [CommandOption("--codebooks")]
        [Description("Codec codebooks per track (K)")]
        [DefaultValue(4)]
        public int Codebooks { get; init; } = 4;

        [CommandOption("--songs")]
        [Description("Corpus songs in the training set (seeds 0..N-1)")]
        [DefaultValue(512)]
        public int Songs { get; init; } = 512;

        [CommandOption("--seconds")]
        [Description("Each song cut to its opening of this many seconds (the lines sung by then)")]
        [DefaultValue(8.0)]
        public double Seconds { get; init; } = 8;

        [CommandOption("--dim")]
        [DefaultValue(256)]
        public int Dim { get; init; } = 256;

        [CommandOption("--layers")]
        [DefaultValue(6)]
        public int Layers { get; init; } = 6;

        [CommandOption("--heads")]
        [DefaultValue(4)]
        public int Heads { get; init; } = 4;

        [CommandOption("--encoder-layers")]
        [Description("Blocks of the description and of the lyrics encoder")]
        [DefaultValue(2)]
        public int EncoderLayers { get; init; } = 2;

        [CommandOption("--max-seconds")]
        [Description("Longest song the model holds")]
        [DefaultValue(30)]
        public int MaxSeconds { get; init; } = 30;

        [CommandOption("--reference-voice")]
        [Description("Add the reference-voice encoder (trained on clips of the vocal stem in dual-track and mixed-pro modes)")]
        public bool ReferenceVoice { get; init; }

        [CommandOption("--cache-only")]
        [Description("Only make the run's token cache (every training song generated and encoded), then stop: a host without espeak-ng (a GPU host) trains from it")]
        public bool CacheOnly { get; init; }

        [CommandOption("--until")]
        [Description("Stop after this step (a checkpoint and an export are written; the same command without --until continues)")]
        public long? Until { get; init; }

        [CommandOption("--steps")]
        [DefaultValue(20000L)]
        public override long Steps { get; init; } = 20000;

        [CommandOption("--minutes")]
        [Description("Stop (with a checkpoint and an export) after this many minutes of this invocation; 0 = no limit")]
        [DefaultValue(0.0)]
        public double Minutes { get; init; }

        [CommandOption("--batch")]
        [DefaultValue(4)]
        public override int Batch { get; init; } = 4;

        [CommandOption("--lr")]
        [DefaultValue(5e-4)]
        public override double LearningRate { get; init; } = 5e-4;

        [CommandOption("--checkpoint-every")]
        [DefaultValue(50L)]
        public override long CheckpointEvery { get; init; } = 50;

        [CommandOption("--threads")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (!SongModes.All.Contains(Mode)) return ValidationResult.Error($"--mode must be one of {string.Join(", ", SongModes.All)}.");
            if (Minutes < 0) return ValidationResult.Error("--minutes must be 0 or positive.");
            if (Until is { } until && (until <= 0 || until > Steps)) return ValidationResult.Error("--until must lie in 1..--steps.");
            if (Codebooks < 1 || Songs < 1 || MaxSeconds < 1) return ValidationResult.Error("--codebooks, --songs and --max-seconds must be positive.");
            if (!Directory.Exists(Codec)) return ValidationResult.Error($"--codec '{Codec}' is not a folder.");
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
        var options = new SongGenTrainingOptions { Songs = settings.Songs, Batch = settings.Batch, Seconds = settings.Seconds };
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
        var schedule = settings.Schedule("tokens") with { Progress = null };
        using var training = new SongGenTraining(config, options, cache, schedule, device, (step, loss) =>
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] step {step + 1}  loss {loss.Total.item<float>():F4}  codebooks {string.Join(" ", loss.Codebooks.Select(c => c.ToString("F3", CultureInfo.InvariantCulture)))}{(loss.Vocal is { } v ? $"  vocal {v:F3}" : "")}")));
        settings.AnnounceStart(training.Trainer.ResumedFromStep, $"SongGen {settings.Mode}, {settings.Dim}x{settings.Layers}, K={settings.Codebooks}, {settings.Songs} songs of {settings.Seconds} s");
        training.Run(settings.Minutes > 0 ? TimeSpan.FromMinutes(settings.Minutes) : null, settings.Until, cancellationToken);
        string export = settings.Export ?? Path.Combine(settings.Run, "model");
        training.Export(export);
        AnsiConsole.MarkupLine($"trained to step {training.Trainer.Step} of {settings.Steps}; exported [bold]{Markup.Escape(export)}[/]");
        return 0;
    }
}
