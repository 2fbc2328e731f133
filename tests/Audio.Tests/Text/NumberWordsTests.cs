using Media.Audio.Text;

namespace Media.Audio.Tests.Text;

public sealed class NumberWordsTests
{
    [Theory]
    [InlineData(0, "zero")]
    [InlineData(13, "thirteen")]
    [InlineData(21, "twenty-one")]
    [InlineData(100, "one hundred")]
    [InlineData(101, "one hundred one")]
    [InlineData(999, "nine hundred ninety-nine")]
    [InlineData(1000, "one thousand")]
    [InlineData(1_234_567, "one million two hundred thirty-four thousand five hundred sixty-seven")]
    [InlineData(2_000_000_005, "two billion five")]
    [InlineData(-5, "minus five")]
    public void Cardinals(long value, string words) => Assert.Equal(words, NumberWords.Cardinal(value));

    [Theory]
    [InlineData(1, "first")]
    [InlineData(2, "second")]
    [InlineData(3, "third")]
    [InlineData(4, "fourth")]
    [InlineData(5, "fifth")]
    [InlineData(8, "eighth")]
    [InlineData(9, "ninth")]
    [InlineData(12, "twelfth")]
    [InlineData(20, "twentieth")]
    [InlineData(21, "twenty-first")]
    [InlineData(100, "one hundredth")]
    [InlineData(103, "one hundred third")]
    public void Ordinals(long value, string words) => Assert.Equal(words, NumberWords.Ordinal(value));

    [Theory]
    [InlineData(1990, "nineteen ninety")]
    [InlineData(1905, "nineteen oh five")]
    [InlineData(1900, "nineteen hundred")]
    [InlineData(2000, "two thousand")]
    [InlineData(2008, "two thousand eight")]
    [InlineData(2024, "twenty twenty-four")]
    public void Years(int year, string words) => Assert.Equal(words, NumberWords.Year(year));

    [Theory]
    [InlineData("3.14", "three point one four")]
    [InlineData("1,250", "one thousand two hundred fifty")]
    [InlineData("-0.5", "minus zero point five")]
    public void Decimal_strings(string text, string words) => Assert.Equal(words, NumberWords.Number(text));
}
