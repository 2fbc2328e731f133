using Media.Audio.Corpora;

namespace Media.Audio.Tests.Corpora;

public sealed class LyricsGeneratorTests
{
    [Fact]
    public void The_same_seed_writes_the_same_lyrics_and_seeds_differ()
    {
        Assert.Equal(LyricsGenerator.Generate(3).Text, LyricsGenerator.Generate(3).Text);
        var texts = Enumerable.Range(0, 20).Select(s => LyricsGenerator.Generate((ulong)s).Text).ToHashSet();
        Assert.True(texts.Count >= 19, "different seeds should write different songs");
    }

    [Fact]
    public void Songs_open_with_a_verse_have_a_chorus_and_only_known_tags()
    {
        var structures = new HashSet<string>();
        for (ulong seed = 0; seed < 40; seed++)
        {
            var lyrics = LyricsGenerator.Generate(seed);
            Assert.Equal("[verse]", lyrics.Sections[0].Tag);
            Assert.Contains(lyrics.Sections, s => s.Tag == "[chorus]");
            Assert.All(lyrics.Sections, s => Assert.Contains(s.Tag, LyricsGenerator.Tags));
            Assert.Equal(4, lyrics.Sections[0].Lines.Count);
            // A chorus sung twice is the same lines both times.
            var choruses = lyrics.Sections.Where(s => s.Tag == "[chorus]").ToList();
            Assert.All(choruses, c => Assert.Equal(choruses[0].Lines, c.Lines));
            structures.Add(string.Join(" ", lyrics.Sections.Select(s => s.Tag)));
            // The written form: each tag on its own line before its lines.
            var written = lyrics.Text.Split('\n');
            Assert.Equal(lyrics.Sections.Count + lyrics.Lines.Count(), written.Length);
            Assert.Equal("[verse]", written[0]);
        }
        Assert.True(structures.Count >= 3, "structures should vary: " + string.Join(" | ", structures));
    }

    [Fact]
    public void Every_line_of_a_song_has_its_meter()
    {
        var meters = new HashSet<int>();
        for (ulong seed = 0; seed < 60; seed++)
        {
            var lyrics = LyricsGenerator.Generate(seed);
            Assert.Contains(lyrics.Meter, LyricsGenerator.Meters);
            Assert.All(lyrics.Lines, line => Assert.Equal(lyrics.Meter, LyricsGenerator.CountSyllables(line)));
            meters.Add(lyrics.Meter);
        }
        Assert.Equal(LyricsGenerator.Meters.Count, meters.Count);
        Assert.Equal(4, LyricsGenerator.CountSyllables("I remember"));
        Assert.Equal(6, LyricsGenerator.CountSyllables("the children walk into"));
    }

    [Fact]
    public void Lines_follow_their_rhyme_scheme_on_different_words()
    {
        bool sawAabb = false, sawAbab = false;
        for (ulong seed = 0; seed < 40; seed++)
        {
            var lyrics = LyricsGenerator.Generate(seed);
            foreach (var section in lyrics.Sections)
            {
                var endings = section.Lines.Select(l => l.Split(' ')[^1]).ToArray();
                var families = endings.Select(LyricsGenerator.RhymeFamilyOf).ToArray();
                Assert.All(families, f => Assert.True(f >= 0));
                if (endings.Length == 2)
                {
                    Assert.Equal(families[0], families[1]);
                    Assert.NotEqual(endings[0], endings[1]);
                    continue;
                }
                bool aabb = families[0] == families[1] && families[2] == families[3] && families[0] != families[2];
                bool abab = families[0] == families[2] && families[1] == families[3] && families[0] != families[1];
                Assert.True(aabb || abab, $"seed {seed}: {string.Join(" / ", section.Lines)}");
                Assert.Equal(4, endings.Distinct().Count());
                sawAabb |= aabb;
                sawAbab |= abab;
            }
        }
        Assert.True(sawAabb && sawAbab, "both verse schemes should occur");
    }

    [Fact]
    public void The_transcript_is_the_sung_words_without_tags()
    {
        var lyrics = LyricsGenerator.Generate(8);
        Assert.DoesNotContain("[", lyrics.Transcript, StringComparison.Ordinal);
        Assert.Equal(string.Join(" ", lyrics.Lines).ToLowerInvariant(), lyrics.Transcript);
        Assert.All(lyrics.Transcript, c => Assert.True(c is ' ' or (>= 'a' and <= 'z'), $"'{c}'"));
    }
}
