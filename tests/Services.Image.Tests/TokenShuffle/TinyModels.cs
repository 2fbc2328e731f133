using Media.Modeling.Transformers;
using Media.Services.Image.TokenShuffle;

namespace Media.Services.Image.Tests.TokenShuffle;

/// <summary>Small random configurations for fast tests.</summary>
static class TinyModels
{
    /// <summary>A 2-layer, 32-wide model on a 4x4 code grid with a 5-position condition.</summary>
    public static TokenShuffleConfig Config(int shuffle, PrefixRotation rotation = PrefixRotation.Identity) => new()
    {
        Dim = 32, NLayer = 2, NHead = 2, MultipleOf = 16, CodebookSize = 24, GridSize = 4, Shuffle = shuffle,
        ShuffleBlocks = 2, ConditionVocabSize = 11, ConditionLength = 5, ConditionRotation = rotation,
    };
}
