using Media.Audio.Corpora;
using Media.Audio.IO;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Tokens;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Tokens;

[Collection(SingleThreadedTorch.Name)]
public sealed class SemanticKmeansTokenizerTests
{
    [Fact]
    public void The_committed_tokenizer_gives_one_token_per_recognizer_frame_and_refuses_other_recognizer_weights()
    {
        using var tokenizer = SemanticKmeansTokenizer.Load(CommittedModels.Path(SemanticKmeansTokenizer.ModelId), CommittedModels.Path(SemanticKmeansTokenizer.RecognizerFolder), CPU);
        var samples = Enumerable.Range(0, 16_000).Select(i => 0.3f * MathF.Sin(2 * MathF.PI * 220 * i / 16_000f)).ToArray();

        var tokens = tokenizer.Encode(AudioBuffer.FromMono(samples, 16_000));

        Assert.Equal(256, tokenizer.VocabularySize);
        Assert.Equal(0.025, tokenizer.FrameSeconds, 9);
        Assert.Equal(41, tokens.Length); // 101 mel frames at hop 200, halved by the recognizer's stride-2 conv
        Assert.All(tokens, t => Assert.InRange(t, 0, 255));

        // Another recognizer (here: freshly initialised weights) would give other hidden states: the folder says so.
        using var folder = new TempDirectory();
        using (var other = new CtcRecognizer(new CtcRecognizerConfig()))
            Media.Services.Audio.Speech.SpeechModelFolder.Save(other, other.Config, folder.Path);
        var error = Assert.Throws<InvalidDataException>(() => SemanticKmeansTokenizer.Load(CommittedModels.Path(SemanticKmeansTokenizer.ModelId), folder.Path, CPU));
        Assert.Contains("media train semantic-kmeans", error.Message, StringComparison.Ordinal);
    }

    [EspeakFact]
    [Slow("committed-model inference: renders eight sentences in two voices")]
    public void Semantic_tokens_agree_across_voices_far_more_than_acoustic_tokens()
    {
        // models/semantic-kmeans/MODEL_CARD.md: on 50 held-out sentences, same sentence in two voices agrees 0.815
        // (semantic) against 0.460 (acoustic); two different sentences agree 0.10-0.11 (chance).
        using var semantic = SemanticKmeansTokenizer.Load(CommittedModels.Path(SemanticKmeansTokenizer.ModelId), CommittedModels.Path(SemanticKmeansTokenizer.RecognizerFolder), CPU);
        using var acoustic = AcousticKmeansTokenizer.Load(CommittedModels.Path(AcousticKmeansTokenizer.ModelId));
        var sentences = SpeechCorpus.Plan(new SpeechCorpusOptions { Directory = Path.GetTempPath(), Count = 2000, Seed = 1 })
            .Where(u => u.IsTest).Take(8).Select(u => u.Transcript);
        var pairs = AudioTokenEvaluation.RenderVoicePairs(new EspeakRenderer(), sentences, 16_000);

        var (semanticSame, semanticUnrelated) = AudioTokenEvaluation.Agreement(new AudioTokenizerUnderTest("semantic", semantic.Encode, semantic.FrameSeconds, 256), pairs);
        var (acousticSame, _) = AudioTokenEvaluation.Agreement(new AudioTokenizerUnderTest("acoustic", acoustic.Encode, acoustic.FrameSeconds, 256), pairs);

        Assert.True(semanticSame > 0.65, $"semantic agreement {semanticSame:0.000}");
        Assert.True(semanticSame > acousticSame + 0.2, $"semantic {semanticSame:0.000} vs acoustic {acousticSame:0.000}");
        Assert.True(semanticUnrelated < 0.3, $"unrelated sentences agree {semanticUnrelated:0.000}");
    }
}
