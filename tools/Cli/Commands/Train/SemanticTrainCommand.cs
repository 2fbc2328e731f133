using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Modeling.Devices;
using Media.Tokenizers.Audio.Semantic;
using Media.Tokenizers.Audio.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train semantic</c>: k-means (k-means++ then Lloyd) over standardised log-mel frames of the
/// codec's training audio (espeak-ng speech train split + procedural music); writes models/semantic-kmeans.
/// </summary>
internal sealed class SemanticTrainCommand : Command<SemanticTrainCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("-k|--clusters")]
        [Description("Number of tokens")]
        [DefaultValue(256)]
        public int K { get; init; } = 256;

        [CommandOption("--iterations")]
        [Description("Lloyd iterations after k-means++ seeding")]
        [DefaultValue(25)]
        public int Iterations { get; init; } = 25;

        [CommandOption("--frames")]
        [Description("At most this many frames (a seeded random subset) are clustered")]
        [DefaultValue(60000)]
        public int Frames { get; init; } = 60000;

        [CommandOption("--rate")]
        [DefaultValue(16000)]
        public int Rate { get; init; } = 16000;

        [CommandOption("--corpus")]
        [DefaultValue("data/corpora")]
        public string Corpus { get; init; } = "data/corpora";

        [CommandOption("--utterances")]
        [DefaultValue(600)]
        public int Utterances { get; init; } = 600;

        [CommandOption("--music-clips")]
        [DefaultValue(64)]
        public int MusicClips { get; init; } = 64;

        [CommandOption("--out")]
        [DefaultValue("models/semantic-kmeans")]
        public string Out { get; init; } = "models/semantic-kmeans";

        [CommandOption("--seed")]
        [DefaultValue(1L)]
        public long Seed { get; init; } = 1;

        [CommandOption("--threads")]
        [DefaultValue(1)]
        public int Threads { get; init; } = 1;

        public override ValidationResult Validate() =>
            K < 2 ? ValidationResult.Error("-k must be at least 2.")
            : Iterations < 0 ? ValidationResult.Error("--iterations must not be negative.")
            : Frames < K ? ValidationResult.Error("--frames must be at least k.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = DeviceSelector.Apply(new TorchOptions { Device = "cpu", Threads = settings.Threads });
        var clock = Stopwatch.StartNew();
        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = settings.Corpus, SampleRate = settings.Rate, Count = settings.Utterances }, cancellationToken: cancellationToken);
        var corpus = CodecCorpus.Load(speech, heldOut: false, settings.MusicClips);
        var features = SemanticTokenizer.FeaturesFor(settings.Rate);

        using var scope = NewDisposeScope();
        // Statistics first: a tokenizer with identity standardisation gives the raw log-mel frames.
        var bands = features.MelBands;
        using var raw = new SemanticTokenizer(features, zeros(1, bands), zeros(bands), ones(bands));
        var frames = cat([.. corpus.Speech.Concat(corpus.Music).Where(c => c.Length > features.FftSize).Select(raw.FeaturesOf)], 0);
        var generator = new Generator((ulong)settings.Seed);
        if (frames.shape[0] > settings.Frames) frames = frames.index_select(0, randperm(frames.shape[0], generator: generator).narrow(0, 0, settings.Frames));
        var mean = frames.mean([0]);
        var std = frames.std(0).clamp_min(1e-3);
        var standardised = (frames - mean) / std;

        var fit = KMeans.Fit(standardised.to(device), settings.K, settings.Iterations, generator);
        using var tokenizer = new SemanticTokenizer(features, fit.Centroids, mean, std);
        tokenizer.Save(settings.Out);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"semantic k-means: k {settings.K}, {standardised.shape[0]} frames of {bands} log-mel bands; inertia {fit.Inertia[0]:F3} after k-means++ -> {fit.Inertia[^1]:F3} after {settings.Iterations} Lloyd iterations; {clock.Elapsed.TotalSeconds:F0} s"));
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
