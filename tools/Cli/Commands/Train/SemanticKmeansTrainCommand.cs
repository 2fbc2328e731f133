using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Tokens;
using Media.Services.Audio.Speech.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train semantic-kmeans</c>: k-means over the CTC recognizer's hidden states (models/asr-ctc) on the
/// espeak-ng corpus's training split; writes models/semantic-kmeans.
/// </summary>
internal sealed class SemanticKmeansTrainCommand : Command<SemanticKmeansTrainCommand.Settings>
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

        [CommandOption("--recognizer")]
        [Description("The CTC recognizer folder whose hidden states are clustered")]
        [DefaultValue("models/" + SemanticKmeansTokenizer.RecognizerFolder)]
        public string Recognizer { get; init; } = "models/" + SemanticKmeansTokenizer.RecognizerFolder;

        [CommandOption("--corpus")]
        [DefaultValue("data/corpora")]
        public string Corpus { get; init; } = "data/corpora";

        [CommandOption("--utterances")]
        [Description("Corpus utterances planned (seed 1); their training split is clustered")]
        [DefaultValue(600)]
        public int Utterances { get; init; } = 600;

        [CommandOption("--out")]
        [DefaultValue("models/" + SemanticKmeansTokenizer.ModelId)]
        public string Out { get; init; } = "models/" + SemanticKmeansTokenizer.ModelId;

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
        using var recognizer = CtcRecognizer.Load(settings.Recognizer, device);
        var corpus = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = settings.Corpus, SampleRate = recognizer.Config.Mel.SampleRate, Count = settings.Utterances }, cancellationToken: cancellationToken);
        var clips = SpeechClipSet.Load(corpus, corpus.Train, new TextFrontEnd(SpeechSymbols.Default));
        var (tokenizer, fit, frames) = SemanticKmeansTraining.Train(recognizer, clips, settings.K, settings.Iterations, settings.Frames, (ulong)settings.Seed, device);
        using (tokenizer)
        using (fit.Centroids)
        {
            tokenizer.Save(settings.Out, Path.Combine(settings.Recognizer, "model.safetensors"));
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"semantic k-means: k {settings.K}, {frames} frames of {tokenizer.Codebook.Dimensions} recognizer hidden dimensions ({clips.Clips.Count} clips); inertia {fit.Inertia[0]:F3} after k-means++ -> {fit.Inertia[^1]:F3} after {settings.Iterations} Lloyd iterations; {clock.Elapsed.TotalSeconds:F0} s"));
        }
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
