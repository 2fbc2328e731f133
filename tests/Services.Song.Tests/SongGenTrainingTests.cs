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
    public void Hiding_the_later_codebooks_pads_them_in_the_chosen_rows_and_changes_only_what_the_decoder_reads()
    {
        var config = SongGenModelTests.Tiny("parallel");          // 3 codebooks a track, 6 streams
        int bos = SongTokenLayout.Bos(config.CodebookSize), pad = SongTokenLayout.Pad(config.CodebookSize);
        var streams = SongGenModelTests.RandomStreams(config, 3, 9, 5).clamp_max(config.CodebookSize - 1);
        streams[.., .., 0] = bos;
        var hidden = SongGenTraining.HideLaterCodebooks(config, streams, [1]);
        for (int row = 0; row < 3; row++)
            for (int stream = 0; stream < 6; stream++)
            {
                var expected = row == 1 && stream % 3 != 0 ? cat([tensor(new long[] { bos }), full(8, pad, ScalarType.Int64)]) : streams[row, stream];
                Assert.True(hidden[row, stream].eq(expected).all().item<bool>(), $"row {row}, stream {stream}");
            }

        using var training = new SongGenTraining(SongGenModelTests.Tiny("mixed"), Options with { FineInputDropout = 1.0 }, Cache("mixed"),
            new TrainerOptions { RunDirectory = Path.Combine(root, "fine-dropout"), TotalSteps = 10, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 4 }, CPU);
        var batch = training.Batch(new BatchPosition(4, 0, 0, 1, CPU));
        Assert.True(batch.InputStreams!.eq(SongGenTraining.HideLaterCodebooks(training.Config, batch.Streams, [0, 1])).all().item<bool>());
        var read = SongGenLoss.Compute(training.Model, batch, 0, 10);
        var plain = SongGenLoss.Compute(training.Model, batch with { InputStreams = null }, 0, 10);
        Assert.NotEqual(plain.Total.item<float>(), read.Total.item<float>(), 4);
        Assert.Throws<ArgumentException>(() => (Options with { FineInputDropout = 0 }).Validate());
    }

    [Fact]
    public void Chosen_initial_codebook_weights_are_normalised_and_anneal_in_the_same_stages()
    {
        double[] first = [2, 0, 0, 0];
        Assert.Equal([1.0, 0, 0, 0], CodebookLossWeights.At(0, 100, 4, first), new ToleranceComparer(1e-12));
        Assert.Equal([0.7 + 0.3 / 4, 0.3 / 4, 0.3 / 4, 0.3 / 4], CodebookLossWeights.At(31, 100, 4, first), new ToleranceComparer(1e-12));
        Assert.Throws<ArgumentException>(() => CodebookLossWeights.At(0, 100, 4, [1, 0, 0]));
        Assert.Throws<ArgumentException>(() => CodebookLossWeights.At(0, 100, 4, [0, 0, 0, 0]));
        Assert.Throws<ArgumentException>(() => CodebookLossWeights.At(0, 100, 4, [1, -1, 0, 0]));

        // The loss weighs the codebooks so: with all weight on the first codebook the total is its cross-entropy.
        double[] tinyFirst = [2, 0, 0];   // the tiny model has three codebooks
        using var training = new SongGenTraining(SongGenModelTests.Tiny("mixed"), Options with { InitialCodebookWeights = tinyFirst }, Cache("mixed"),
            new TrainerOptions { RunDirectory = Path.Combine(root, "first-codebook"), TotalSteps = 10, LearningRate = 3e-3, CheckpointEvery = 100, LogEvery = 1, Seed = 4 }, CPU);
        var batch = training.Batch(new BatchPosition(4, 0, 0, 1, CPU));
        var parts = SongGenLoss.Compute(training.Model, batch, 0, 10, tinyFirst);
        Assert.Equal(parts.Codebooks[0], parts.Total.item<float>(), 4);
        Assert.NotEqual(parts.Codebooks[0], SongGenLoss.Compute(training.Model, batch, 0, 10).Total.item<float>(), 2);
        Assert.Throws<ArgumentException>(() => new SongGenTraining(SongGenModelTests.Tiny("mixed"), Options with { InitialCodebookWeights = [1, 0] }, Cache("mixed"),
            new TrainerOptions { RunDirectory = Path.Combine(root, "bad-weights"), TotalSteps = 10 }, CPU));
    }

    [Fact]
    public void Options_without_an_opening_weight_pin_a_run_as_before_so_earlier_runs_still_resume()
    {
        Assert.Equal("""{"Songs":512,"Batch":4,"Seconds":8,"ConditionDropout":0.1}""", System.Text.Json.JsonSerializer.Serialize(new SongGenTrainingOptions()));
        Assert.Contains("\"OpeningWeight\":8", System.Text.Json.JsonSerializer.Serialize(new SongGenTrainingOptions { OpeningWeight = 8, OpeningSeconds = 1 }), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SongGenTrainingOptions { OpeningWeight = 8 }.Validate());
        Assert.Throws<ArgumentException>(() => new SongGenTrainingOptions { OpeningWeight = 8, OpeningSeconds = 9 }.Validate());
    }

    [Fact]
    public void The_opening_weight_covers_the_first_seconds_of_frames_two_steps_a_frame_when_interleaved()
    {
        var mixed = SongGenTraining.OpeningWeights(SongGenModelTests.Tiny("mixed") with { FrameRate = 50 }, 120, 1, 8, CPU).data<float>().ToArray();
        Assert.Equal([.. Enumerable.Repeat(8f, 50), .. Enumerable.Repeat(1f, 70)], mixed);
        var interleaved = SongGenTraining.OpeningWeights(SongGenModelTests.Tiny("interleaving-a-v") with { FrameRate = 50 }, 120, 1, 8, CPU).data<float>().ToArray();
        Assert.Equal(100, interleaved.Count(w => w == 8f));
        Assert.All(interleaved[..100], w => Assert.Equal(8f, w));
    }

    [Fact]
    public void A_run_with_an_opening_weight_gives_its_batches_the_opening_weights_and_one_without_gives_none()
    {
        // Two cached songs of random codes (the cache's own file format), so no song is sung or encoded here.
        var cache = Cache("mixed");
        Directory.CreateDirectory(cache.Folder);
        var random = new Random(2);
        var json = new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };
        for (ulong seed = 0; seed < 2; seed++)
        {
            int[][] codes = [.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 70).Select(_ => random.Next(16)).ToArray())];
            File.WriteAllText(Path.Combine(cache.Folder, $"{seed}.json"), System.Text.Json.JsonSerializer.Serialize(
                new SongTrainingExample(seed, "pop, 100 bpm, in C major", [3, 4, 5], 70, 0, codes, null, null), json));
        }
        SongGenTraining Run(SongGenTrainingOptions options, string run) => new(SongGenModelTests.Tiny("mixed"), options, cache,
            new TrainerOptions { RunDirectory = Path.Combine(root, run), TotalSteps = 2, Seed = 4 }, CPU);
        using (var plain = Run(Options, "plain"))
            Assert.Null(plain.Batch(new BatchPosition(4, 0, 0, 1, CPU)).StepWeights);
        using var weighted = Run(Options with { OpeningWeight = 4, OpeningSeconds = 0.5 }, "weighted");
        var batch = weighted.Batch(new BatchPosition(4, 0, 0, 1, CPU));
        var weights = batch.StepWeights!.data<float>().ToArray();
        Assert.Equal(batch.Streams.shape[2] - 1, weights.Length);
        Assert.Equal([.. Enumerable.Repeat(4f, 25), .. Enumerable.Repeat(1f, weights.Length - 25)], weights);
    }

    [Fact]
    public void Step_weights_weigh_each_predicted_step_so_zero_weight_past_a_prefix_scores_the_prefix_alone()
    {
        var config = SongGenModelTests.Tiny("mixed-pro");
        using var model = SongGenModelTests.Create(config);
        var streams = SongGenModelTests.RandomStreams(config, 2, 20, 5);
        var vocal = SongGenModelTests.RandomStreams(config, 2, 20, 6).narrow(1, 0, config.Codebooks);
        var conditions = new SongCondition?[] { new("pop, 100 bpm, in C major", [3, 4, 5]), null };
        var weights = ones(19).masked_fill(arange(19).ge(11), 0);
        var weighted = SongGenLoss.Compute(model, new SongBatch(streams, vocal, conditions, 0, weights), 0, 10);
        var prefix = SongGenLoss.Compute(model, new SongBatch(streams.narrow(2, 0, 12), vocal.narrow(2, 0, 12), conditions, 0), 0, 10);
        Assert.Equal(prefix.Total.item<float>(), weighted.Total.item<float>(), 5);
        Assert.Equal(prefix.Codebooks, weighted.Codebooks, (a, b) => Math.Abs(a - b) < 1e-5);
        var even = SongGenLoss.Compute(model, new SongBatch(streams, vocal, conditions, 0), 0, 10);
        Assert.NotEqual(even.Total.item<float>(), weighted.Total.item<float>());
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
