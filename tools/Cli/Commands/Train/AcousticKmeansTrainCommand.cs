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
    internal sealed class Settings : KmeansTrainSettings
    {
        [CommandOption("--rate")]
        [DefaultValue(16000)]
        public int Rate { get; init; } = 16000;

        [CommandOption("--music-clips")]
        [DefaultValue(64)]
        public int MusicClips { get; init; } = 64;

        [CommandOption("--out")]
        [DefaultValue("models/" + AcousticKmeansTokenizer.ModelId)]
        public string Out { get; init; } = "models/" + AcousticKmeansTokenizer.ModelId;
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
