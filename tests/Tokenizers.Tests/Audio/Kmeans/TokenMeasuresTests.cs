using Media.Tokenizers.Audio.Kmeans;

namespace Media.Tokenizers.Tests.Audio.Kmeans;

public sealed class TokenMeasuresTests
{
    [Fact]
    public void Tokens_that_name_the_label_carry_all_its_entropy_and_unrelated_tokens_none()
    {
        // Four labels, equally often: H = 2 bits.
        var labels = Enumerable.Range(0, 400).Select(i => i % 4).ToArray();

        var exact = TokenLabelInformation.Measure(labels.Select(l => (l + 10, l)));
        // Tokens that split each label in two still determine it.
        var split = TokenLabelInformation.Measure(labels.Select((l, i) => (2 * l + (i / 4) % 2, l)));
        // A token cycling at another period than the labels says nothing about them.
        var unrelated = TokenLabelInformation.Measure(labels.Select((l, i) => ((i / 4) % 5, l)));

        Assert.Equal(2.0, exact.LabelEntropyBits, 9);
        Assert.Equal(2.0, exact.MutualInformationBits, 9);
        Assert.Equal(1.0, exact.NormalizedMutualInformation, 9);
        Assert.Equal(1.0, exact.Purity, 9);
        Assert.Equal(2.0, split.MutualInformationBits, 9);
        Assert.Equal(1.0, split.Purity, 9);
        Assert.Equal(0.0, unrelated.MutualInformationBits, 9);
        Assert.Equal(0.25, unrelated.Purity, 9);
    }

    [Fact]
    public void A_noisy_token_carries_the_information_of_a_binary_symmetric_channel()
    {
        // Two labels; the token equals the label 90% of the time: I = 1 - H(0.1) = 0.531 bits.
        var pairs = Enumerable.Range(0, 1000).Select(i => (Token: (i / 2) % 10 == 0 ? 1 - i % 2 : i % 2, Label: i % 2));

        var info = TokenLabelInformation.Measure(pairs);

        double h = -(0.1 * Math.Log2(0.1) + 0.9 * Math.Log2(0.9));
        Assert.Equal(1 - h, info.MutualInformationBits, 6);
        Assert.Equal(0.9, info.Purity, 9);
    }

    [Fact]
    public void Agreement_ignores_how_long_each_unit_lasts_and_counts_edits_over_the_longer_sequence()
    {
        // The same units held for different durations (a slower voice) agree fully.
        Assert.Equal(1.0, TokenSequenceAgreement.Of([1, 1, 1, 2, 2, 3], [1, 2, 2, 2, 2, 3, 3]), 9);
        // One substituted unit of four.
        Assert.Equal(0.75, TokenSequenceAgreement.Of([1, 2, 3, 4], [1, 9, 3, 4]), 9);
        // Nothing in common.
        Assert.Equal(0.0, TokenSequenceAgreement.Of([1, 2, 3], [4, 5, 6]), 9);
        Assert.Equal([5, 6, 5], TokenSequenceAgreement.Deduplicate([5, 5, 6, 5, 5]));
    }
}
