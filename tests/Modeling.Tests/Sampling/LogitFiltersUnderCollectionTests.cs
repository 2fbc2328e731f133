using System.Diagnostics;
using Media.Modeling.Sampling;
using Media.Modeling.Tensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Sampling;

/// <summary>
/// The soak's concurrency bug: with the image and speech workers running at once, token sampling failed in libtorch's
/// masked_fill ("toFloat", or "Expected false to be true") because the fill value's temporary Scalar was collected and
/// freed while libtorch still read it. Another thread forcing collections here stands in for the other worker.
/// </summary>
[Collection(SingleThreadedTorch.Name)]
[Slow("forced garbage collections on another thread for up to 15 s per test")]
public sealed class LogitFiltersUnderCollectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Top_k_and_top_p_hold_their_fill_values_while_other_threads_collect()
    {
        var rows = Enumerable.Range(0, 16).Select(i => new SamplingParameters { TopK = i % 2 == 0 ? 0 : 1000, TopP = 0.9 }).ToArray();
        var topK = rows.Select(r => new SamplingParameters { TopK = 50 }).ToArray();
        using var logits = randn(16, 8192);
        // Called often enough first that the JIT optimises the callers (optimised code stops reporting a dead temporary).
        for (int i = 0; i < 60; i++)
        {
            using var scope = NewDisposeScope();
            LogitFilters.Apply(logits, rows);
            LogitFilters.Apply(logits, topK);
        }
        await Task.Delay(500);

        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        });
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        int calls = 0;
        for (; calls < 400 && clock.Elapsed < TimeSpan.FromSeconds(15); calls++)
        {
            using var scope = NewDisposeScope();
            try
            {
                var kept = LogitFilters.Apply(logits, rows);
                var keptK = LogitFilters.Apply(logits, topK);
                // Still right: every row keeps its best token and drops some.
                Assert.Equal(16, kept.isfinite().any(-1).sum().item<long>());
                Assert.Equal(16 * 50L, keptK.isfinite().sum().item<long>());
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException) { failures.Add(e.Message); }
        }
        await stop.CancelAsync();
        await collector;
        output.WriteLine($"{calls} rounds under forced collections, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} rounds failed in libtorch, first: {failures.FirstOrDefault()}");
    }

    [Fact]
    public async Task Held_scalar_operations_survive_collections_on_another_thread()
    {
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            // A millisecond between collections, so this thread's calls still get to run between them.
            while (!stop.IsCancellationRequested) { GC.Collect(0, GCCollectionMode.Forced, blocking: true); Thread.Sleep(1); }
        });
        using var x = randn(128, 4096);
        using var mask = x < 0.5;
        int failures = 0, rounds = 0;
        // Bounded in time as well as rounds: back-to-back forced collections can starve this thread on a loaded machine.
        var clock = Stopwatch.StartNew();
        try
        {
            for (; rounds < 200 && clock.Elapsed < TimeSpan.FromSeconds(15); rounds++)
            {
                using var scope = NewDisposeScope();
                try
                {
                    Assert.Equal(0, x.MaskedFill(mask, double.NegativeInfinity).isfinite().logical_and(mask).sum().item<long>());
                    Assert.True(x.Pow(2).min().item<float>() >= 0);
                    Assert.True(x.Clamp(-1, 1).abs().max().item<float>() <= 1);
                    Assert.True(x.ClampMin(0.0).min().item<float>() >= 0);
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException) { failures++; }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }
        output.WriteLine($"{rounds} rounds under forced collections, {failures} failures");
        Assert.True(rounds >= 5, $"only {rounds} rounds ran");
        Assert.Equal(0, failures);
    }
}
