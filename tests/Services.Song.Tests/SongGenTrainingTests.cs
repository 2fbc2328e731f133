using Media.Audio.Corpora;
using Media.Modeling.Training;
using Media.Services.Audio.Codec;
using Media.Services.Song.Data;
using Media.Services.Song.Model;
using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

[Collection(SingleThreadedTorch.Name)]
public sealed class SongGenTrainingTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("songgen-train").FullName;
    readonly NeuralAudioCodec codec = new(new EncodecModel(RandomCodecCheckpoint.Tiny));

    public void Dispose()
    {
        codec.Dispose();
        Directory.Delete(root, recursive: true);
    }

    static readonly SongGenTrainingOptions Options = new() { Songs = 2, Batch = 2, Seconds = 2, ConditionDropout = 0.1 };

    SongTokenCache Cache(string mode) =>
        new(root, new SongTokenDataset(new LyricSongGenerator(16000), codec, bandwidthKbps: 0.6), SongModes.Parse(mode), Options.Seconds, 50);

    SongGenTraining Training(string mode, string run, long steps, long checkpointEvery = 100) =>
        new(SongGenModelTests.Tiny(mode), Options, Cache(mode),
            new TrainerOptions { RunDirectory = Path.Combine(root, run), TotalSteps = steps, LearningRate = 3e-3, CheckpointEvery = checkpointEvery, LogEvery = 1, Seed = 4 },
            CPU);

    [Fact]
    public void The_codebook_weights_start_on_the_first_codebooks_and_anneal_toward_uniform_in_songgens_stages()
    {
        Assert.Equal([0.25, 0.25, 0.25, 0.05, 0.05, 0.05, 0.05, 0.05], CodebookLossWeights.At(0, 100, 8), new ToleranceComparer(1e-12));
        Assert.Equal(CodebookLossWeights.At(0, 100, 8), CodebookLossWeights.At(30, 100, 8));
        var late = CodebookLossWeights.At(81, 100, 8);
        Assert.Equal(0.2 * 0.25 + 0.8 / 8, late[0], 12);
        Assert.Equal(0.2 * 0.05 + 0.8 / 8, late[7], 12);
        Assert.All(new[] { 0L, 31, 61, 81, 100 }, s => Assert.Equal(1.0, CodebookLossWeights.At(s, 100, 4).Sum(), 12));
    }

    [Fact]
    [Slow("model training (14 steps)")]
    public void Loss_falls_over_a_few_steps_in_a_dual_track_mode()
    {
        using var training = Training("parallel-v-a", "fall", steps: 14);
        training.Trainer.Run();
        var history = training.Trainer.History.Select(h => h.Loss).ToList();
        Assert.Equal(14, history.Count);
        Assert.True(history.TakeLast(3).Average() < 0.8 * history.Take(3).Average(), $"losses {string.Join(", ", history.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(Directory.EnumerateFiles(Path.Combine(root, "tokens", "parallel-v-a-2s")).Count() == 2, "the token dataset is cached in the run folder");
    }

    [Fact]
    [Slow("model training (three runs)")]
    public void A_resumed_run_reaches_the_state_of_an_uninterrupted_one()
    {
        Tensor[] straight;
        using (var training = Training("mixed-pro", "straight", steps: 4))
        {
            training.Trainer.Run();
            straight = [.. training.Model.parameters().Select(p => p.detach().clone())];
        }
        using (var first = Training("mixed-pro", "resumed", steps: 4, checkpointEvery: 2))
        {
            first.Run(until: 2); // what --until does: stop at step 2 with its checkpoint
            Assert.Equal(2, first.Trainer.Step);
        }
        using var second = Training("mixed-pro", "resumed", steps: 4, checkpointEvery: 2);
        Assert.Equal(2, second.Trainer.ResumedFromStep);
        second.Trainer.Run();
        var resumed = second.Model.parameters().ToArray();
        Assert.Equal(straight.Length, resumed.Length);
        for (int i = 0; i < resumed.Length; i++) Assert.True((straight[i] - resumed[i]).abs().max().item<float>() < 1e-6, $"parameter {i}");

        string export = Path.Combine(root, "export");
        second.Export(export);
        Assert.Equal(4, SongGenCheckpoint.ReadConfig(export).TrainedSteps);
    }

    [Fact]
    [Slow("renders and encodes five corpus songs")]
    public void Fill_makes_the_missing_songs_at_once_as_each_alone_and_leaves_cached_ones_alone()
    {
        var cache = Cache("mixed");
        cache.Get(0);
        string first = Path.Combine(cache.Folder, "0.json");
        File.WriteAllText(first, File.ReadAllText(first) + " "); // still valid JSON; a rewrite would drop the space
        var done = new List<int>();
        cache.Fill(3, done.Add);
        Assert.Equal([1, 2, 3], done);
        Assert.EndsWith(" ", File.ReadAllText(first), StringComparison.Ordinal);
        // Songs 1 and 2 were made side by side (one espeak-ng, singer and codec shared): each as it is made alone.
        foreach (ulong seed in new ulong[] { 1, 2 })
            Assert.Equal(cache.Make(seed).Codes.Mix, cache.Get(seed).Codes.Mix);
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
