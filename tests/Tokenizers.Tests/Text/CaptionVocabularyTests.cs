using Media.Tokenizers.Text;

namespace Media.Tokenizers.Tests.Text;

public sealed class CaptionVocabularyTests
{
    static readonly string[] Words = ["a", "red", "blue", "circle", "square", "to", "the", "left", "of", "two", "objects", ":", "and"];

    [Fact]
    public void Texts_from_the_word_list_round_trip_through_dense_ids()
    {
        var vocabulary = CaptionVocabulary.FromWords(Words);
        foreach (var text in new[] { "a red circle to the left of a blue square", "two objects: a blue circle and a red square", "red" })
        {
            var ids = vocabulary.Encode(text);
            Assert.All(ids, id => Assert.InRange(id, 2, vocabulary.VocabularySize - 1));
            Assert.Equal(text, vocabulary.Decode(ids));
        }
    }

    [Fact]
    public void Dense_ids_map_to_the_same_gpt2_tokens()
    {
        var vocabulary = CaptionVocabulary.FromWords(Words);
        const string Text = "a blue square to the left of a red circle";
        var gpt2 = Gpt2TextTokenizer.Shared.Encode(Text);
        var dense = vocabulary.Encode(Text);
        Assert.Equal(gpt2, dense.Select(d => vocabulary.Gpt2Ids[d - 2]));
        // Ascending GPT-2 order: the dense numbering is a monotone renumbering.
        Assert.Equal(vocabulary.Gpt2Ids.Order(), vocabulary.Gpt2Ids);
    }

    [Fact]
    public void The_vocabulary_is_small_and_built_deterministically()
    {
        var a = CaptionVocabulary.FromWords(Words);
        var b = CaptionVocabulary.FromWords(Words.Reverse());
        Assert.Equal(a.Gpt2Ids, b.Gpt2Ids);
        Assert.True(a.VocabularySize <= 2 + 2 * Words.Length, $"{a.VocabularySize} ids");
        var reloaded = new CaptionVocabulary(a.Gpt2Ids);
        Assert.Equal(a.Encode("a red circle"), reloaded.Encode("a red circle"));
    }

    [Fact]
    public void Words_outside_the_list_become_unknown()
    {
        var vocabulary = CaptionVocabulary.FromWords(Words);
        var ids = vocabulary.Encode("a purple circle");
        Assert.Contains(CaptionVocabulary.Unknown, ids);
        Assert.Equal("a<unk> circle", vocabulary.Decode(ids));
    }

    [Fact]
    public void Padding_uses_id_zero_and_decodes_to_nothing()
    {
        var vocabulary = CaptionVocabulary.FromWords(Words);
        var padded = vocabulary.EncodePadded("a red circle", 10);
        Assert.Equal(CaptionVocabulary.Pad, vocabulary.PadId);
        Assert.All(padded.Ids.Skip(padded.Length), id => Assert.Equal(0, id));
        Assert.Equal("a red circle", vocabulary.Decode(padded.Ids));
    }

    [Fact]
    public void Bad_words_and_ids_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => CaptionVocabulary.FromWords(["two words"]));
        var vocabulary = CaptionVocabulary.FromWords(Words);
        Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Decode([vocabulary.VocabularySize]));
    }
}
