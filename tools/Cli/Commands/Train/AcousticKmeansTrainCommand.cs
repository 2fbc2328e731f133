using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Tokenizers.Audio.Kmeans;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train acoustic-kmeans</c>: k-means over standardised log-mel frames of the codec's training audio
/// (espeak-ng speech train split + procedural music); writes models/acoustic-kmeans.
/// </summary>
internal sealed class AcousticKmeansTrainCommand : Command<AcousticKmeansTrainCommand.Settings>
{
    internal sealed class Settings : TorchSettings
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
        [DefaultValue("models/" + AcousticKmeansTokenizer.ModelId)]
        public string Out { get; init; } = "models/" + AcousticKmeansTokenizer.ModelId;

        [CommandOption("--seed")]
        [DefaultValue(1L)]
        public long Seed { get; init; } = 1;

        [CommandOption("--threads")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate() =>
            K < 2 ? ValidationResult.Error("-k must be at least 2.")
            : Iterations < 0 ? ValidationResult.Error("--iterations must not be negative.")
            : Frames < K ? ValidationResult.Error("--frames must be at least k.")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var clock = Stopwatch.StartNew();
        var (tokenizer, fit, frames) = AcousticKmeansTraining.Train(new AcousticKmeansTrainingOptions
        {
            Clusters = settings.K, Iterations = settings.Iterations, MaxFrames = settings.Frames, SampleRate = settings.Rate,
            CorpusDirectory = settings.Corpus, Utterances = settings.Utterances, MusicClips = settings.MusicClips, Seed = (ulong)settings.Seed,
        }, device, cancellationToken);
        using (tokenizer)
        using (fit.Centroids)
        {
            tokenizer.Save(settings.Out);
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"acoustic k-means: k {settings.K}, {frames} frames of {tokenizer.Features.MelBands} log-mel bands; inertia {fit.Inertia[0]:F3} after k-means++ -> {fit.Inertia[^1]:F3} after {settings.Iterations} Lloyd iterations; {clock.Elapsed.TotalSeconds:F0} s"));
        }
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
