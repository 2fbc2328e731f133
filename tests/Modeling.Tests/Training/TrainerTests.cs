using System.Diagnostics;
using System.Text.Json;
using Media.Modeling.Tests.Checkpoints;
using Media.Modeling.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

/// <summary>The trainer end to end on a tiny transformer.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class TrainerTests(ITestOutputHelper output)
{
    const int Vocabulary = 32, Length = 16, Batch = 8;

    static TinyLanguageModel Model(long seed, double dropout, int dim = 32, int layers = 1)
    {
        random.manual_seed(seed);
        return new TinyLanguageModel(Vocabulary, Length, dim, heads: 4, layers, dropout);
    }

    // Random tokens that depend on the position alone.
    static Tensor Tokens(BatchPosition position)
    {
        using var generator = position.CreateGenerator();
        return randint(0, Vocabulary, [Batch, Length], dtype: ScalarType.Int64, generator: generator).to(position.Device);
    }

    [Fact]
    [Slow("model training")]
    public void Tiny_transformer_overfits_a_fixed_batch()
    {
        using var dir = new TempDirectory();
        using var model = Model(seed: 1, dropout: 0, dim: 64, layers: 2);
        using var fixedTokens = Tokens(new BatchPosition(5, 0, 0, 1, CPU));
        var options = new TrainerOptions
        {
            RunDirectory = dir.Path, TotalSteps = 60, LearningRate = 5e-3, MinLearningRate = 5e-4, WarmupSteps = 5,
            WeightDecay = 0, CheckpointEvery = 1000, Seed = 1, ThroughputUnit = "tokens",
        };
        using var trainer = new Trainer<Tensor>(model, _ => fixedTokens, model.NextTokenLoss, options, t => t.numel());

        var clock = Stopwatch.StartNew();
        var steps = trainer.Run();
        clock.Stop();

        double first = steps[0].Loss, last = steps[^1].Loss;
        output.WriteLine(string.Join(" ", steps.Select(s => s.Loss.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
        output.WriteLine($"loss {first:F4} -> {last:F4} in {steps.Count} steps, {clock.Elapsed.TotalSeconds:F1} s wall, {steps.Average(s => s.ItemsPerSecond):F0} tokens/s");
        Assert.True(last <= 0.1 * first, $"loss fell from {first} to {last}, less than 90%");
    }

    static TrainerOptions ResumableOptions(string run) => new()
    {
        RunDirectory = run, TotalSteps = 40, MicroBatches = 2, LearningRate = 2e-3, MinLearningRate = 2e-4, WarmupSteps = 5,
        MaxGradNorm = 0.5, EmaDecay = 0.9, CheckpointEvery = 10, KeepCheckpoints = 2, Seed = 42,
    };

    [Fact]
    [Slow("model training, twice")]
    public void Resumed_run_continues_the_same_loss_trajectory_with_accumulation_dropout_and_ema()
    {
        using var straightDir = new TempDirectory();
        using var resumedDir = new TempDirectory();
        using var scope = NewDisposeScope();

        // Uninterrupted: 40 steps, with an evaluation hook that draws from the global generator.
        using var straightModel = Model(seed: 3, dropout: 0.1);
        int evaluations = 0;
        double[] straight;
        Dictionary<string, Tensor> straightWeights, straightEma;
        using (var trainer = new Trainer<Tensor>(straightModel, Tokens, straightModel.NextTokenLoss, ResumableOptions(straightDir.Path) with { EvalEvery = 15 }))
        {
            trainer.Evaluate = context =>
            {
                evaluations++;
                Assert.True(context.UsesEma);
                return new Dictionary<string, double> { ["noise"] = rand(3).sum().item<float>() };
            };
            straight = trainer.Run().Select(s => s.Loss).ToArray();
            straightWeights = straightModel.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            straightEma = trainer.Ema!.State.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        }

        // Interrupted: 20 steps, then a new model and trainer (different initial weights) resume for 20 more.
        using (var firstModel = Model(seed: 3, dropout: 0.1))
        using (var first = new Trainer<Tensor>(firstModel, Tokens, firstModel.NextTokenLoss, ResumableOptions(resumedDir.Path)))
        {
            first.RunUntil(20);
        }
        rand(100); // disturb the global generator: the checkpoint must restore it
        using var secondModel = Model(seed: 99, dropout: 0.1);
        using var second = new Trainer<Tensor>(secondModel, Tokens, secondModel.NextTokenLoss, ResumableOptions(resumedDir.Path));
        Assert.Equal(20, second.ResumedFromStep);
        var resumedSteps = second.Run();

        Assert.Equal(2, evaluations);
        Assert.Equal(20, resumedSteps.Count);
        var log = File.ReadAllLines(Path.Combine(resumedDir.Path, "train.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, 40), log.Select(l => l.GetProperty("step").GetInt32()));
        var resumed = log.Select(l => l.GetProperty("loss").GetDouble()).ToArray();
        for (int i = 0; i < 40; i++) Assert.True(Math.Abs(straight[i] - resumed[i]) <= 1e-6, $"step {i + 1}: {straight[i]} vs {resumed[i]}");
        for (int i = 20; i < 40; i++) Assert.Equal(straight[i], resumedSteps[i - 20].Loss);
        foreach (var (key, value) in secondModel.state_dict()) Assert.True(allclose(value, straightWeights[key], 0, 1e-6), key);
        foreach (var (key, value) in second.Ema!.State) Assert.True(allclose(value, straightEma[key], 0, 1e-6), key);
        Assert.True(resumed[^1] < resumed[0], "the run should learn something");
        // Checkpoints every 10 steps, newest two kept, no temporary files left behind.
        Assert.Equal([30L, 40L], TrainingCheckpoint.List(resumedDir.Path).Select(c => c.Step));
        Assert.Empty(Directory.EnumerateFiles(resumedDir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Progress_is_reported_at_the_start_and_after_every_step_through_IProgress()
    {
        using var dir = new TempDirectory();
        using var model = Model(seed: 4, dropout: 0);
        var reports = new List<TrainingProgress>();
        var options = new TrainerOptions { RunDirectory = dir.Path, TotalSteps = 5, LearningRate = 1e-3, Seed = 4, ThroughputUnit = "tokens", Progress = new Recorder(reports) };
        using var trainer = new Trainer<Tensor>(model, Tokens, model.NextTokenLoss, options, t => t.numel());

        var steps = trainer.RunUntil(3);

        Assert.Equal([0L, 1L, 2L, 3L], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(3, r.EndStep));
        Assert.All(reports, r => Assert.Equal("tokens", r.ThroughputUnit));
        Assert.Null(reports[0].Last);
        Assert.Equal(steps, reports.Skip(1).Select(r => r.Last!));
    }

    /// <summary>Records synchronously (the framework's Progress&lt;T&gt; posts to the thread pool).</summary>
    sealed class Recorder(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    [Fact]
    public void Log_lines_carry_step_loss_lr_grad_norm_throughput_and_elapsed()
    {
        using var dir = new TempDirectory();
        using var model = Model(seed: 4, dropout: 0);
        var options = new TrainerOptions { RunDirectory = dir.Path, TotalSteps = 4, LearningRate = 1e-3, WarmupSteps = 2, LogEvery = 2, Seed = 4, ThroughputUnit = "tokens" };
        using var trainer = new Trainer<Tensor>(model, Tokens, model.NextTokenLoss, options, t => t.numel());

        var steps = trainer.Run();

        var lines = File.ReadAllLines(Path.Combine(dir.Path, "train.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2, 4], lines.Select(l => l.GetProperty("step").GetInt32()));
        var last = lines[^1];
        Assert.Equal(steps[^1].Loss, last.GetProperty("loss").GetDouble());
        Assert.Equal(trainer.Schedule.LearningRate(3), last.GetProperty("lr").GetDouble());
        Assert.True(last.GetProperty("grad_norm").GetDouble() > 0);
        Assert.True(last.GetProperty("tokens_per_s").GetDouble() > 0);
        Assert.True(last.GetProperty("elapsed_s").GetDouble() >= lines[0].GetProperty("elapsed_s").GetDouble());
    }

    [Fact]
    public void Resuming_with_a_different_seed_is_refused_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        using var model = Model(seed: 5, dropout: 0);
        var options = new TrainerOptions { RunDirectory = dir.Path, TotalSteps = 4, Seed = 5 };
        using (var trainer = new Trainer<Tensor>(model, Tokens, model.NextTokenLoss, options)) trainer.RunUntil(2);

        var error = Assert.Throws<InvalidOperationException>(() =>
            new Trainer<Tensor>(model, Tokens, model.NextTokenLoss, new TrainerOptions { RunDirectory = dir.Path, TotalSteps = 4, Seed = 6 }));
        Assert.Contains("seed 5", error.Message);
        Assert.Contains("seed 6", error.Message);
    }
}
