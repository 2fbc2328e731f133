using Media.Modeling.Transformers;
using Media.Services.Image.Generation;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image;
using Media.Tokenizers.Text;

namespace Media.Services.Image.Tests.Generation;

/// <summary>A randomly initialised Token-Shuffle model and VQ tokenizer: fast, and enough to test streaming and cancellation.</summary>
static class TinyGenerator
{
    public static readonly CaptionVocabulary Vocabulary = CaptionVocabulary.FromWords(["a", "red", "blue", "circle", "square"]);

    public static TokenShuffleConfig Config(int grid, int shuffle) => new()
    {
        Dim = 32, NLayer = 2, NHead = 2, MultipleOf = 16, CodebookSize = VqConfig.Tiny.CodebookSize, GridSize = grid, Shuffle = shuffle,
        ConditionVocabSize = CaptionConditioning.ConditionVocabSize(Vocabulary), ConditionLength = 7,
        ConditionRotation = PrefixRotation.Identity, TextGpt2Ids = Vocabulary.Gpt2Ids.ToArray(),
    };

    public static TokenShuffleGenerator Create(int grid, int shuffle, int maxConcurrent = 2)
    {
        TorchSharp.torch.manual_seed(1);
        return new TokenShuffleGenerator(new TokenShuffleModel(Config(grid, shuffle)), new VqModel(VqConfig.Tiny), maxConcurrent);
    }
}
