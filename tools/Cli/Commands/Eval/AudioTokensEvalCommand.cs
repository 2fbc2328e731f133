using System.ComponentModel;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.FrontEnd;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Tokens;
using Media.Tokenizers.Audio.Kmeans;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval audio-tokens</c>: acoustic and semantic k-means tokens side by side on held-out speech: character
/// purity (mutual information with the CTC-aligned characters) and speaker invariance (one sentence, two voices).
/// </summary>
internal sealed class AudioTokensEvalCommand : Command<AudioTokensEvalCommand.Settings>
{
    internal sealed class Settings : TorchSettings
    {
        [CommandOption("--acoustic")]
        [DefaultValue("models/" + AcousticKmeansTokenizer.ModelId)]
        public string Acoustic { get; init; } = "models/" + AcousticKmeansTokenizer.ModelId;

        [CommandOption("--semantic")]
        [DefaultValue("models/" + SemanticKmeansTokenizer.ModelId)]
        public string Semantic { get; init; } = "models/" + SemanticKmeansTokenizer.ModelId;

        [CommandOption("--recognizer")]
        [Description("The CTC recognizer that aligns the characters (and whose hidden states the semantic tokens cluster)")]
        [DefaultValue("models/" + SemanticKmeansTokenizer.RecognizerFolder)]
        public string Recognizer { get; init; } = "models/" + SemanticKmeansTokenizer.RecognizerFolder;

        [CommandOption("--corpus")]
        [DefaultValue("data/corpora")]
        public string Corpus { get; init; } = "data/corpora";

        [CommandOption("--corpus-size")]
        [Description("Utterances planned (seed 1); their held-out split is scored")]
        [DefaultValue(2000)]
        public int CorpusSize { get; init; } = 2000;

        [CommandOption("-n|--count")]
        [Description("Held-out clips for character purity (at most the split's size)")]
        [DefaultValue(98)]
        public int Count { get; init; } = 98;

        [CommandOption("--pairs")]
        [Description("Held-out sentences rendered in two voices for speaker invariance")]
        [DefaultValue(50)]
        public int Pairs { get; init; } = 50;

        [CommandOption("--threads")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate() =>
            Count <= 0 ? ValidationResult.Error("--n must be positive.")
            : Pairs < 2 ? ValidationResult.Error("--pairs must be at least 2.")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var recognizer = CtcRecognizer.Load(settings.Recognizer, device);
        using var aligner = new CtcTextAligner(recognizer);
        using var acoustic = AcousticKmeansTokenizer.Load(settings.Acoustic);
        using var semantic = SemanticKmeansTokenizer.Load(settings.Semantic, settings.Recognizer, device);
        int rate = recognizer.Config.Mel.SampleRate;
        var corpus = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = settings.Corpus, SampleRate = rate, Count = settings.CorpusSize }, cancellationToken: cancellationToken);
        var heldOut = SpeechClipSet.Load(corpus, corpus.Test.Take(settings.Count), new TextFrontEnd(SpeechSymbols.Default));
        var aligned = AudioTokenEvaluation.AlignCharacters(aligner, heldOut);
        var pairs = AudioTokenEvaluation.RenderVoicePairs(new EspeakRenderer(), corpus.Test.Take(settings.Pairs).Select(u => u.Transcript), rate);

        var scores = new[]
        {
            AudioTokenEvaluation.Evaluate(new AudioTokenizerUnderTest(AcousticKmeansTokenizer.ModelId, acoustic.Encode, acoustic.FrameSeconds, acoustic.VocabularySize), aligned, pairs),
            AudioTokenEvaluation.Evaluate(new AudioTokenizerUnderTest(SemanticKmeansTokenizer.ModelId, semantic.Encode, semantic.FrameSeconds, semantic.VocabularySize), aligned, pairs),
        };
        var (a, b) = AudioTokenEvaluation.VoicePair;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"held-out clips: {aligned.Count} aligned of {heldOut.Clips.Count}; voice pairs: {pairs.Count} sentences in {a.Name} and {b.Name}"));
        Console.Out.WriteLine("| tokens | vocabulary | frames/s | I(token; char) bits | H(char) bits | normalised MI | purity | same sentence, two voices | two sentences, one voice |");
        Console.Out.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in scores)
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Tokenizer} | {s.VocabularySize} | {1 / s.FrameSeconds:0} | {s.Characters.MutualInformationBits:0.000} | {s.Characters.LabelEntropyBits:0.000} | {s.Characters.NormalizedMutualInformation:0.000} | {s.Characters.Purity:0.000} | {s.SpeakerAgreement:0.000} | {s.UnrelatedAgreement:0.000} |"));
        foreach (var s in scores)
        {
            string kind = s.Tokenizer.Split('-')[0];
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} character nmi: {s.Characters.NormalizedMutualInformation:0.000}"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} speaker agreement: {s.SpeakerAgreement:0.000}"));
        }
        return 0;
    }
}
