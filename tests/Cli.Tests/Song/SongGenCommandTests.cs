using System.Text.RegularExpressions;
using Media.Services.Audio.Codec;
using Media.Services.Song.Model;
using Media.Tests.Support;

namespace Media.Cli.Tests.Song;

/// <summary><c>media train songgen</c>'s held-out evaluation and best export, and <c>media eval song-conditioning</c>.</summary>
public sealed class SongGenCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("media-songgen-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static async Task<(int Code, string Output)> Run(params string[] args)
    {
        var (code, output) = await CliProcess.RunAsync(args);
        return (code, Regex.Replace(output, @"\s+", " "));
    }

    [Fact]
    public async Task Exporting_the_best_model_without_a_held_out_evaluation_is_refused()
    {
        var (code, output) = await Run("train", "songgen", "--run", Path.Combine(folder, "run"), "--export-best", Path.Combine(folder, "best"));
        Assert.NotEqual(0, code);
        Assert.Contains("--export-best needs --eval-every.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Codebook_weights_that_are_not_one_non_negative_number_a_codebook_are_refused()
    {
        foreach (var weights in new[] { "1,0,0", "1,-1,0,0", "0,0,0,0", "a,1,1,1" })
        {
            var (code, output) = await Run("train", "songgen", "--run", Path.Combine(folder, "run"), "--codebook-weights", weights);
            Assert.NotEqual(0, code);
            Assert.Contains("--codebook-weights takes 4 non-negative numbers (one per codebook), not all zero.", output, StringComparison.Ordinal);
        }
    }

    [EspeakFact]
    [Slow("renders four corpus songs and trains three steps")]
    public async Task A_run_scores_held_out_songs_keeps_its_best_model_and_the_probe_reads_that_model()
    {
        string models = Path.Combine(folder, "models");
        string codec = RandomCodecCheckpoint.Write(models);
        string run = Path.Combine(folder, "run"), best = Path.Combine(folder, "best");
        // The best export is also the last one's folder: the last (step 3, never evaluated) must not overwrite the best (step 2).
        var (code, output) = await Run("train", "songgen", "--mode", "mixed-pro", "--run", run, "--codec", codec, "--songs", "2", "--seconds", "2", "--codebooks", "3",
            "--max-seconds", "10", "--dim", "32", "--layers", "1", "--heads", "4", "--encoder-layers", "1", "--batch", "2", "--steps", "3",
            "--eval-every", "2", "--eval-n", "2", "--export-best", best, "--export", best, "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Matches(@"eval at step 2: heldout_loss \d+\.\d{4} .*heldout_opening_key_gain -?\d+\.\d{4}", output);
        Assert.Contains($"lowest held-out loss yet: exported {best}", output, StringComparison.Ordinal);
        Assert.Contains($"kept the lowest held-out loss's model in {best}", output, StringComparison.Ordinal);
        Assert.Equal(2, SongGenCheckpoint.ReadConfig(best).TrainedSteps);

        // Resumed, the run remembers its lowest held-out loss (here one no evaluation can beat) and keeps that model.
        File.AppendAllText(Path.Combine(run, "train.jsonl"), "{\"step\":1,\"eval\":{\"heldout_loss\":0.0001}}\n");
        var (resumedCode, resumed) = await Run("train", "songgen", "--mode", "mixed-pro", "--run", run, "--codec", codec, "--songs", "2", "--seconds", "2", "--codebooks", "3",
            "--max-seconds", "10", "--dim", "32", "--layers", "1", "--heads", "4", "--encoder-layers", "1", "--batch", "2", "--steps", "5",
            "--eval-every", "2", "--eval-n", "2", "--export-best", best, "--export", best, "--threads", "1");
        Assert.True(resumedCode == 0, resumed);
        Assert.Matches(@"eval at step 4: heldout_loss", resumed);
        Assert.DoesNotContain("lowest held-out loss yet", resumed, StringComparison.Ordinal);
        Assert.Contains($"kept the lowest held-out loss's model in {best}", resumed, StringComparison.Ordinal);
        Assert.Equal(2, SongGenCheckpoint.ReadConfig(best).TrainedSteps);

        var (probeCode, probe) = await Run("eval", "song-conditioning", "--model", best, "-n", "2", "--seconds", "2", "--cache", run,
            "--models", models, "--threads", "1");
        Assert.True(probeCode == 0, probe);
        foreach (var line in new[] { "tempo gain: ", "key gain: ", "description gain: ", "lyrics gain: ", "opening key gain: " })
            Assert.Contains(line, probe, StringComparison.Ordinal);
    }
}
