using Media.Audio.Corpora;
using Media.Services.Song.Data;
using Media.Services.Song.Model;
using Media.Services.Song.Training;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

[Collection(SingleThreadedTorch.Name)]
public sealed class SongConditionProbeTests
{
    static readonly SongStyle Style = new("soft rock", "warm and relaxed", ["electric piano", "fm bass", "drums"], "A major", 101, "female vocal, mid pitch");

    [Fact]
    public void The_tempo_swap_changes_only_the_tempo_and_keeps_it_in_the_corpus_range()
    {
        Assert.Equal((Style with { Tempo = 126 }).Text, SongConditionProbe.WithOtherTempo(Style.Text));
        Assert.Equal((Style with { Tempo = 100 }).Text, SongConditionProbe.WithOtherTempo((Style with { Tempo = 80 }).Text));
        Assert.Equal((Style with { Tempo = 112 }).Text, SongConditionProbe.WithOtherTempo((Style with { Tempo = 140 }).Text));
        Assert.Equal((Style with { Tempo = 88 }).Text, SongConditionProbe.WithOtherTempo((Style with { Tempo = 110 }).Text));
    }

    [Fact]
    public void The_key_swap_moves_the_tonic_a_tritone_and_keeps_the_mode()
    {
        Assert.Equal((Style with { Key = "D# major" }).Text, SongConditionProbe.WithOtherKey(Style.Text));
        Assert.Equal((Style with { Key = "C minor" }).Text, SongConditionProbe.WithOtherKey((Style with { Key = "F# minor" }).Text));
        Assert.Equal((Style with { Key = "B major" }).Text, SongConditionProbe.WithOtherKey((Style with { Key = "F major" }).Text));
    }

    [Fact]
    public void A_description_the_corpus_did_not_write_is_refused_rather_than_scored_unchanged()
    {
        Assert.Throws<ArgumentException>(() => SongConditionProbe.WithOtherTempo("a calm song in A major"));
        Assert.Throws<ArgumentException>(() => SongConditionProbe.WithOtherKey("a calm song, 90 bpm"));
    }

    [Fact]
    public void Each_variant_scores_the_song_as_training_would_under_that_condition()
    {
        var config = SongGenModelTests.Tiny("mixed-pro");
        using var model = SongGenModelTests.Create(config);
        var songs = new[] { Example(config, 0, 40, Style), Example(config, 1, 30, Style with { Key = "E minor", Tempo = 131 }), Example(config, 2, 35, Style with { Genre = "ballad" }) };
        var losses = SongConditionProbe.Measure(model, songs).ToDictionary(l => l.Variant);
        Assert.Equal(Enum.GetValues<ConditionVariant>().Length, losses.Count);

        foreach (var (variant, condition) in new (ConditionVariant, Func<int, SongCondition?>)[]
        {
            (ConditionVariant.Own, i => new SongCondition(songs[i].Description, songs[i].Lyrics)),
            (ConditionVariant.OtherKey, i => new SongCondition(SongConditionProbe.WithOtherKey(songs[i].Description), songs[i].Lyrics)),
            (ConditionVariant.OtherLyrics, i => new SongCondition(songs[i].Description, songs[(i + 1) % 3].Lyrics)),
            (ConditionVariant.OtherDescription, i => new SongCondition(songs[(i + 1) % 3].Description, songs[i].Lyrics)),
            (ConditionVariant.None, _ => null),
        })
        {
            var expected = new double[config.Codebooks];
            for (int i = 0; i < songs.Length; i++)
            {
                using var scope = NewDisposeScope();
                var batch = SongGenTraining.Pack(config, [SongTokenLayout.Arrange(config.SongMode, songs[i].Codes, config.CodebookSize)], [condition(i)], 0, CPU);
                var parts = SongGenLoss.Compute(model, batch, 0, 1).Codebooks;
                for (int c = 0; c < parts.Length; c++) expected[c] += parts[c] / songs.Length;
            }
            Assert.Equal(expected, losses[variant].Codebooks, (a, b) => Math.Abs(a - b) < 1e-5);
        }
        Assert.NotEqual(losses[ConditionVariant.Own].Mean, losses[ConditionVariant.OtherKey].Mean);
    }

    [Fact]
    public void The_opening_is_scored_on_its_own_frames_only()
    {
        var config = SongGenModelTests.Tiny("parallel");
        using var model = SongGenModelTests.Create(config);
        var songs = new[] { Example(config, 0, 40, Style), Example(config, 1, 30, Style with { Tempo = 90 }) };
        var opening = SongConditionProbe.Measure(model, songs, frames: 12);
        var cut = SongConditionProbe.Measure(model, [.. songs.Select(s => s with
        {
            Frames = 12, Vocals = [.. s.Vocals!.Select(r => r[..12])], Accompaniment = [.. s.Accompaniment!.Select(r => r[..12])],
        })]);
        Assert.Equal(cut.Select(l => l.Mean), opening.Select(l => l.Mean), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.NotEqual(SongConditionProbe.Measure(model, songs).Single(l => l.Variant == ConditionVariant.Own).Mean,
            opening.Single(l => l.Variant == ConditionVariant.Own).Mean);
    }

    [Fact]
    public void The_gains_are_the_codebooks_mean_and_with_several_codebooks_also_the_first_codebooks_own()
    {
        static IReadOnlyList<ConditionLoss> Losses(Func<ConditionVariant, double[]> codebooks) =>
            [.. Enum.GetValues<ConditionVariant>().Select(v => new ConditionLoss(v, codebooks(v)))];
        // The first codebook reads the key and the description; the others read nothing, so the mean shows a quarter of it.
        var whole = Losses(v => [v == ConditionVariant.OtherDescription ? 3.4 : 3.0, 6.0, 6.5, 6.8]);
        var opening = Losses(v => [v == ConditionVariant.OtherKey ? 2.8 : v == ConditionVariant.OtherTempo ? 2.6 : 2.5, 5.9, 6.4, 6.7]);
        var gains = SongConditionProbe.Gains(whole, opening);
        Assert.Equal(0.1, gains["heldout_description_gain"], 9);
        Assert.Equal(0.4, gains["heldout_codebook0_description_gain"], 9);
        Assert.Equal(0.075, gains["heldout_opening_key_gain"], 9);
        Assert.Equal(0.3, gains["heldout_codebook0_opening_key_gain"], 9);
        Assert.Equal(0.1, gains["heldout_codebook0_opening_tempo_gain"], 9);

        // One codebook: the mean is the first codebook, logged once.
        var single = SongConditionProbe.Gains(Losses(v => [v == ConditionVariant.OtherDescription ? 3.4 : 3.0]), Losses(_ => [2.5]));
        Assert.Equal(0.4, single["heldout_description_gain"], 9);
        Assert.DoesNotContain(single.Keys, k => k.Contains("codebook0", StringComparison.Ordinal));
    }

    static SongTrainingExample Example(SongGenConfig config, int seed, int frames, SongStyle style)
    {
        var random = new Random(seed);
        int[][] Codes() => [.. Enumerable.Range(0, config.Codebooks).Select(_ => Enumerable.Range(0, frames).Select(_ => random.Next(config.CodebookSize)).ToArray())];
        int[] lyrics = [.. Enumerable.Range(0, 12 + seed).Select(_ => random.Next(1, 30))];
        bool dual = config.SongMode is not (SongMode.Mixed or SongMode.MixedPro);
        return new SongTrainingExample((ulong)seed, style.Text, lyrics, frames, 0, dual ? null : Codes(), Codes(), dual ? Codes() : null);
    }
}
