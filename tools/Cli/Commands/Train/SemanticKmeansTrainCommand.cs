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
    internal sealed class Settings : KmeansTrainSettings
    {
        [CommandOption("--recognizer")]
        [Description("The CTC recognizer folder whose hidden states are clustered")]
        [DefaultValue("models/" + SemanticKmeansTokenizer.RecognizerFolder)]
        public string Recognizer { get; init; } = "models/" + SemanticKmeansTokenizer.RecognizerFolder;

        [CommandOption("--out")]
        [DefaultValue("models/" + SemanticKmeansTokenizer.ModelId)]
        public string Out { get; init; } = "models/" + SemanticKmeansTokenizer.ModelId;
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
