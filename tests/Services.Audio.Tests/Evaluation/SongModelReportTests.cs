using Media.Services.Audio.Evaluation;

namespace Media.Services.Audio.Tests.Evaluation;

public sealed class SongModelReportTests
{
    static SongModelRow Row(string asked, string heard, double tempo, double heardTempo, double? corpusTempo = null, string? corpusKey = null) =>
        new(1, tempo, heardTempo, asked, heard, "la la", "la la", "la la", null, 8, 0.4, 3, 3, 0.7, corpusTempo, corpusKey);

    [Fact]
    public void Neighbouring_keys_earn_partial_credit_in_the_weighted_score_and_none_in_the_accuracy()
    {
        var report = new SongModelReport([Row("C major", "C major", 100, 100), Row("C major", "G major", 100, 100), Row("A minor", "C major", 100, 100), Row("D major", "G# minor", 100, 100)]);
        Assert.Equal(0.25, report.KeyAccuracy);
        Assert.Equal((1 + 0.5 + 0.3 + 0) / 4, report.KeyWeightedScore, 12);
    }

    [Fact]
    public void The_corpus_ceilings_are_what_the_estimators_read_from_the_true_openings()
    {
        var report = new SongModelReport([
            Row("C major", "D major", 100, 80, corpusTempo: 103, corpusKey: "C major"),  // within 4 % and right
            Row("E minor", "E minor", 120, 120, corpusTempo: 126, corpusKey: "G major"), // 5 % off, the relative major
        ]);
        Assert.Equal(0.5, report.CorpusTempoAccuracy);
        Assert.Equal(0.5, report.CorpusKeyAccuracy);
        Assert.Equal(0.5, report.TempoAccuracy);
        Assert.Null(new SongModelReport([Row("C major", "C major", 100, 100)]).CorpusKeyAccuracy);
    }

    [Fact]
    public void The_token_ceilings_are_what_the_estimators_read_from_the_openings_through_the_models_tokens()
    {
        SongModelRow Through(string asked, double tempo, double tokenTempo, string tokenKey) =>
            Row(asked, asked, tempo, tempo, tempo, asked) with { TokenEstimatedTempo = tokenTempo, TokenEstimatedKey = tokenKey };
        var report = new SongModelReport([
            Through("C major", 100, 103, "G major"),  // the tempo kept within 4 %, the key read a fifth above
            Through("E minor", 120, 130, "E minor"),  // the tempo lost, the key kept
            Through("A major", 90, 90, "A major"),
        ]);
        Assert.Equal(2 / 3.0, report.TokenTempoAccuracy!.Value, 12);
        Assert.Equal(2 / 3.0, report.TokenKeyAccuracy!.Value, 12);
        Assert.Equal(1.0, report.CorpusKeyAccuracy);
        Assert.Null(new SongModelReport([Row("C major", "C major", 100, 100)]).TokenKeyAccuracy);
    }
}
