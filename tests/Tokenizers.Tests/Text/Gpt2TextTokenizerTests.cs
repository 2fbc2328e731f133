using Media.Tokenizers.Text;

namespace Media.Tokenizers.Tests.Text;

public sealed class Gpt2TextTokenizerTests
{
    static readonly Gpt2TextTokenizer Gpt2 = Gpt2TextTokenizer.Shared;

    [Fact]
    public void Known_words_get_gpt2_ids()
    {
        // GPT-2 ids from the published vocabulary: "Hello" = 15496, " world" = 995, "<|endoftext|>" = 50256.
        Assert.Equal(new[] { 15496, 995 }, Gpt2.Encode("Hello world"));
        Assert.Equal(50257, Gpt2.VocabularySize);
        Assert.Equal(Gpt2TextTokenizer.EndOfTextId, Gpt2.PadId);
    }

    [Theory]
    [InlineData("a small red circle to the left of a blue square")]
    [InlineData("two objects: a yellow star and a black ring")]
    [InlineData("Ünïcödé, emoji 🎨 and   spaces\n")]
    [InlineData("")]
    public void Decode_restores_the_encoded_text(string text)
    {
        Assert.Equal(text, Gpt2.Decode(Gpt2.Encode(text)));
    }

    [Fact]
    public void Encoding_is_deterministic_across_instances()
    {
        const string Text = "a large green star in the top left corner";
        Assert.Equal(Gpt2.Encode(Text), new Gpt2TextTokenizer().Encode(Text));
    }

    [Fact]
    public void Padded_encoding_truncates_and_pads_to_the_fixed_length()
    {
        var ids = Gpt2.Encode("a small red circle to the left of a blue square");
        var shortened = Gpt2.EncodePadded("a small red circle to the left of a blue square", 4);
        Assert.Equal(ids.Take(4), shortened.Ids);
        Assert.Equal(4, shortened.Length);

        var padded = Gpt2.EncodePadded("a red circle", 8);
        Assert.Equal(8, padded.Ids.Count);
        Assert.Equal(3, padded.Length);
        Assert.Equal(Gpt2.Encode("a red circle"), padded.TextIds);
        Assert.All(padded.Ids.Skip(3), id => Assert.Equal(Gpt2TextTokenizer.EndOfTextId, id));
        Assert.Equal(new[] { true, true, true, false, false, false, false, false }, padded.Mask);
    }

    [Fact]
    public void Batches_become_id_and_mask_tensors()
    {
        var (ids, mask) = Gpt2.EncodeBatch(["a red circle", "two objects: a blue star and a white ring"], 6);
        using (ids)
        using (mask)
        {
            Assert.Equal(new long[] { 2, 6 }, ids.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
            Assert.Equal(new[] { 3L, 6L }, mask.sum(1).data<long>().ToArray());
            Assert.Equal(Gpt2.Encode("a red circle").Select(i => (long)i), ids[0].data<long>().ToArray().Take(3));
        }
    }

    [Fact]
    public void Out_of_range_ids_and_lengths_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.Decode([50257]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.EncodePadded("a", 0));
    }
}
