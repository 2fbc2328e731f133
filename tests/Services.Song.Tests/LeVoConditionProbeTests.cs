using Media.Audio.Corpora;
using Media.Services.Song.LeVo;
using Media.Services.Song.LeVo.Training;
using Media.Services.Song.Lyrics;
using Media.Services.Song.Training;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

[Collection(SingleThreadedTorch.Name)]
public sealed class LeVoConditionProbeTests
{
    static readonly SongStyle Style = new("soft rock", "warm and relaxed", ["electric piano", "fm bass", "drums"], "A major", 101, "female vocal, mid pitch");

    static LeVoExample[] Songs(LeVoConfig config, bool tracks = false)
    {
        var random = new Random(3);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(config.CodeSize))];
        LeVoExample Song(ulong seed, SongStyle style, string lyrics, int tokens) =>
            new(seed, style.Text, LyricsTokenizer.Encode(lyrics), Tokens(tokens), tracks ? Tokens(tokens) : null, tracks ? Tokens(tokens) : null);
        return [Song(0, Style, "[verse]\nwe sing\n", 20), Song(1, Style with { Key = "E minor", Tempo = 131 }, "[chorus]\nthe sea\n", 16),
            Song(2, Style with { Genre = "ballad" }, "[verse]\nwe rise\n", 18)];
    }

    [Fact]
    public void Each_variant_scores_the_mixed_stream_as_stage_one_would_under_that_condition()
    {
        var config = LeVoModelTests.Tiny() with { MaxDescriptionBytes = 256 };
        using var model = LeVoModelTests.Create(config);
        var songs = Songs(config);
        model.train();
        var losses = LeVoConditionProbe.Measure(model, songs).ToDictionary(l => l.Variant);
        Assert.Equal(Enum.GetValues<ConditionVariant>().Length, losses.Count);
        Assert.True(model.training);

        model.eval();
        using var _ = no_grad();
        foreach (var (variant, condition) in new (ConditionVariant, Func<int, LeVoCondition?>)[]
        {
            (ConditionVariant.Own, i => LeVoCondition.Of(config, songs[i].Description, songs[i].Lyrics)),
            (ConditionVariant.OtherKey, i => LeVoCondition.Of(config, SongConditionProbe.WithOtherKey(songs[i].Description), songs[i].Lyrics)),
            (ConditionVariant.OtherTempo, i => LeVoCondition.Of(config, SongConditionProbe.WithOtherTempo(songs[i].Description), songs[i].Lyrics)),
            (ConditionVariant.OtherLyrics, i => LeVoCondition.Of(config, songs[i].Description, songs[(i + 1) % 3].Lyrics)),
            (ConditionVariant.OtherDescription, i => LeVoCondition.Of(config, songs[(i + 1) % 3].Description, songs[i].Lyrics)),
            (ConditionVariant.None, _ => null),
        })
        {
            double expected = songs.Select((song, i) =>
                (double)LeVoLoss.Compute(model, LeVoTraining.Pack(config, [song], [condition(i)], 0, CPU), LeVoStage.Lm).Total.item<float>()).Average();
            Assert.Equal(expected, losses[variant].Mean, 5);
        }
        Assert.NotEqual(losses[ConditionVariant.Own].Mean, losses[ConditionVariant.OtherKey].Mean);
        Assert.NotEqual(losses[ConditionVariant.Own].Mean, losses[ConditionVariant.OtherTempo].Mean);
    }

    [Fact]
    public void The_opening_is_scored_on_its_own_tokens_only_and_the_log_reports_its_gains()
    {
        var config = LeVoModelTests.Tiny() with { MaxDescriptionBytes = 256, TokenRate = 10 };
        using var model = LeVoModelTests.Create(config);
        var songs = Songs(config);
        var opening = LeVoConditionProbe.Measure(model, songs, tokens: 10);
        var cut = LeVoConditionProbe.Measure(model, [.. songs.Select(s => s with { Mixed = s.Mixed[..10] })]);
        Assert.Equal(cut.Select(l => l.Mean), opening.Select(l => l.Mean), (a, b) => Math.Abs(a - b) < 1e-6);
        var whole = LeVoConditionProbe.Measure(model, songs);
        Assert.NotEqual(whole.Single(l => l.Variant == ConditionVariant.Own).Mean, opening.Single(l => l.Variant == ConditionVariant.Own).Mean);

        // One second at 10 tokens/s is the opening the training log scores.
        var metrics = LeVoConditionProbe.Metrics(model, songs);
        double Loss(IReadOnlyList<ConditionLoss> l, ConditionVariant v) => l.Single(x => x.Variant == v).Mean;
        Assert.Equal(Loss(whole, ConditionVariant.Own), metrics["heldout_loss"], 5);
        Assert.Equal(Loss(opening, ConditionVariant.OtherKey) - Loss(opening, ConditionVariant.Own), metrics["heldout_opening_key_gain"], 5);
        Assert.Equal(Loss(whole, ConditionVariant.OtherLyrics) - Loss(whole, ConditionVariant.Own), metrics["heldout_lyrics_gain"], 5);
    }

    [Fact]
    public void The_tracks_are_scored_as_stage_two_would_and_songs_without_them_are_refused()
    {
        var config = LeVoModelTests.Tiny() with { MaxDescriptionBytes = 256 };
        using var model = LeVoModelTests.Create(config);
        var songs = Songs(config, tracks: true);
        var losses = LeVoConditionProbe.Measure(model, songs, stage: LeVoStage.Decoder).ToDictionary(l => l.Variant);
        model.eval();
        using (no_grad())
            foreach (var (variant, condition) in new (ConditionVariant, Func<int, LeVoCondition?>)[]
            {
                (ConditionVariant.Own, i => LeVoCondition.Of(config, songs[i].Description, songs[i].Lyrics)),
                (ConditionVariant.OtherLyrics, i => LeVoCondition.Of(config, songs[i].Description, songs[(i + 1) % 3].Lyrics)),
            })
            {
                var parts = songs.Select((song, i) => LeVoLoss.Compute(model, LeVoTraining.Pack(config, [song], [condition(i)], 0, CPU), LeVoStage.Decoder)).ToList();
                Assert.Equal(parts.Average(p => p.Vocal!.Value), losses[variant].Codebooks[0], 5);
                Assert.Equal(parts.Average(p => p.Accompaniment!.Value), losses[variant].Codebooks[1], 5);
            }
        Assert.Throws<ArgumentException>(() => LeVoConditionProbe.Measure(model, Songs(config), stage: LeVoStage.Decoder));
    }
}
