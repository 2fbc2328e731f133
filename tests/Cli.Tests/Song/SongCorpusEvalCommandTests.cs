using Media.Tests.Support;

namespace Media.Cli.Tests.Song;

/// <summary>`media eval song-corpus --codec-codebooks`: the lyric and key ceilings of the stems and mix after the codec at K codebooks.</summary>
public sealed class SongCorpusEvalCommandTests
{
    [EspeakFact]
    [Slow("sings a corpus song and runs its vocal through the committed codec twice, with the recognizer")]
    public async Task Reports_the_vocal_cer_and_the_mix_key_through_the_codec_at_each_asked_codebook_count()
    {
        var (code, output) = await CliProcess.RunAsync("eval", "song-corpus", "-n", "1", "--codec-codebooks", "3,12", "--models", CommittedModels.Folder, "--threads", "1");

        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^corpus lyric cer: [0-9.]+$", output);
        Assert.Matches(@"(?m)^vocal cer through media-codec at 3 codebooks \(1\.5 kbps\): [0-9.]+$", output);
        Assert.Matches(@"(?m)^vocal cer through media-codec at 12 codebooks \(6 kbps\): [0-9.]+$", output);
        Assert.Matches(@"(?m)^mix key accuracy through media-codec at 3 codebooks: [01]\.[0-9]{2}$", output);
        Assert.Matches(@"(?m)^mix key accuracy through media-codec at 12 codebooks: [01]\.[0-9]{2}$", output);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4,x")]
    public async Task Refuses_codebook_counts_that_are_not_positive_numbers(string counts)
    {
        var (code, output) = await CliProcess.RunAsync("eval", "song-corpus", "-n", "1", "--codec-codebooks", counts);
        Assert.NotEqual(0, code);
        Assert.Contains("--codec-codebooks", output, StringComparison.Ordinal);
    }
}
