using Media.Audio.Corpora;
using Media.Services.Song.Lyrics;

namespace Media.Services.Song.Tests;

public sealed class LyricsTests
{
    [Fact]
    public void Tagged_lyrics_parse_into_sections_of_normalised_lines()
    {
        var (sections, error) = LyricsText.Parse("[Verse]\nI walk 2 miles, my friend!\n\n[chorus]\nOh-oh, we're home\n");
        Assert.Null(error);
        Assert.Equal(["[verse]", "[chorus]"], sections.Select(s => s.Tag));
        Assert.Equal(["i walk two miles my friend"], sections[0].Lines);
        Assert.Equal(["oh oh we're home"], sections[1].Lines);
        Assert.Equal("i walk two miles my friend oh oh we're home", LyricsText.Transcript(sections));
    }

    [Fact]
    public void Lines_before_any_tag_are_a_verse()
    {
        var (sections, error) = LyricsText.Parse("la la la");
        Assert.Null(error);
        Assert.Equal("[verse]", Assert.Single(sections).Tag);
    }

    [Theory]
    [InlineData("", "no line to sing")]
    [InlineData("[verse]\n[chorus]\n", "no line to sing")]
    [InlineData("[outro]\nbye now", "unknown tag [outro]")]
    [InlineData("[verse\nhello", "unknown tag")]
    [InlineData("[verse]\nhello\n[chorus]\n[bridge]\nagain", "section [chorus] has no lines")]
    [InlineData("[verse]\n你好", "cannot be sung")]
    public void Bad_lyrics_say_what_is_wrong(string lyrics, string reason)
    {
        var error = LyricsText.Check(lyrics);
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_lines_are_refused()
    {
        string lyrics = string.Join("\n", Enumerable.Repeat("we sing along", LyricsText.MaxLines + 1));
        Assert.Contains("more than", LyricsText.Check(lyrics), StringComparison.Ordinal);
        Assert.Null(LyricsText.Check(string.Join("\n", Enumerable.Repeat("we sing along", LyricsText.MaxLines))));
    }

    [Fact]
    public void Every_corpus_song_passes_the_request_check_and_round_trips_through_the_tokenizer()
    {
        for (ulong seed = 0; seed < 30; seed++)
        {
            var lyrics = LyricsGenerator.Generate(seed);
            var (sections, error) = LyricsText.Parse(lyrics.Text);
            Assert.Null(error);
            Assert.Equal(lyrics.Transcript, LyricsText.Transcript(sections));
            var ids = LyricsTokenizer.Encode(sections);
            Assert.Equal(LyricsTokenizer.Bos, ids[0]);
            Assert.Equal(LyricsTokenizer.Eos, ids[^1]);
            Assert.All(ids, id => Assert.InRange(id, 0, LyricsTokenizer.VocabularySize - 1));
            Assert.Equal(lyrics.Text.ToLowerInvariant(), LyricsTokenizer.Decode(ids));
        }
    }

    [Fact]
    public void The_tokenizer_refuses_text_it_cannot_spell()
    {
        Assert.Throws<ArgumentException>(() => LyricsTokenizer.Encode("[solo]\nla"));
        Assert.Throws<ArgumentOutOfRangeException>(() => LyricsTokenizer.Decode([99]));
    }
}
