using Media.Services.Audio.Speech.FrontEnd;

namespace Media.Services.Audio.Tests.Speech.FrontEnd;

public class TextFrontEndTests
{
    readonly TextFrontEnd frontEnd = new(SpeechSymbols.Default);

    [Fact]
    public void The_symbol_table_is_padding_then_space_apostrophe_hyphen_letters_and_prosody_marks()
    {
        var symbols = SpeechSymbols.Default;
        Assert.Equal(36, symbols.Count);
        Assert.Equal(1, symbols.IdOf(' '));
        Assert.Equal(2, symbols.IdOf('\''));
        Assert.Equal(3, symbols.IdOf('-'));
        Assert.Equal(4, symbols.IdOf('a'));
        Assert.Equal(29, symbols.IdOf('z'));
        Assert.Equal(new[] { 30, 31, 32, 33, 34, 35 }, ",.?!;:".Select(symbols.IdOf));
        Assert.Throws<ArgumentException>(() => symbols.IdOf('A'));
        Assert.Throws<ArgumentOutOfRangeException>(() => symbols.CharOf(SpeechSymbols.Pad));
    }

    [Fact]
    public void Encoding_lower_cases_and_maps_each_character_to_its_id()
    {
        Assert.Equal(new[] { 11, 12, 33 }, frontEnd.Encode("Hi!"));
        Assert.Equal(new[] { 11, 12, 30, 1, 16, 8 }, frontEnd.Encode("HI, ME"));
    }

    [Theory]
    [InlineData("Dr. Smith paid $5.50 on the 3rd!")]
    [InlineData("Is it 7:30, or later? I don't know; maybe.")]
    [InlineData("We walked 12 km (about 7 miles) - twenty-one steps.")]
    public void Decoding_the_ids_gives_back_the_canonical_text(string text)
    {
        string canonical = frontEnd.Canonicalize(text);
        Assert.Equal(canonical, frontEnd.Decode(frontEnd.Encode(text)));
        Assert.Equal(canonical, canonical.ToLowerInvariant());
        Assert.DoesNotContain(canonical, char.IsDigit);
        Assert.All(canonical, c => Assert.True(SpeechSymbols.Default.Contains(c), $"'{c}' is not in the table"));
    }

    [Fact]
    public void Digits_are_spelled_out_and_accents_folded()
    {
        Assert.Equal("seven cafes.", frontEnd.Canonicalize("7 Cafés."));
        Assert.Equal("doctor smith", frontEnd.Canonicalize("Dr. Smith"));
    }

    [Fact]
    public void Padding_ids_are_skipped_when_decoding()
    {
        Assert.Equal("ab", frontEnd.Decode([SpeechSymbols.Pad, 4, 5, SpeechSymbols.Pad]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!... ,;")]
    [InlineData("\u4F60\u597D")]
    public void Text_with_nothing_to_speak_is_rejected_with_a_clear_message(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => frontEnd.Encode(text));
        Assert.Contains("nothing to speak", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_long_text_is_rejected_with_the_limit_in_the_message()
    {
        var small = new TextFrontEnd(SpeechSymbols.Default, maxSymbols: 10);
        Assert.Equal(10, small.Encode("abcde fghi").Length);
        var error = Assert.Throws<ArgumentException>(() => small.Encode("abcde fghij"));
        Assert.Contains("at most 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_with_a_repeated_character_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SpeechSymbols("abca"));
    }

    [Fact]
    public void The_recognition_target_drops_prosody_marks_and_splits_hyphenated_words()
    {
        Assert.Equal("twenty one please don't", TextFrontEnd.RecognitionTarget("twenty-one, please; don't!"));
    }
}
