using System.Runtime.CompilerServices;
using Media.Modeling.Devices;
using static TorchSharp.torch;

namespace Media.Modeling.Tests;

/// <summary>
/// The soak's failed jobs (issue 22): TorchSharp's temporary Scalars (the alpha of 1 in every <c>a + b</c>) were
/// finalized, and their native values freed, by a collection another thread triggered while libtorch still read them.
/// The gate holds every finalizer while torch work is in flight and lets them run between sections.
/// </summary>
public sealed class FinalizerGateTests
{
    [Fact]
    public void Nothing_collected_during_a_section_is_finalized_before_the_section_ends()
    {
        FinalizerGate.Start();
        var finalized = new StrongBox<bool>();
        // A section is synchronous: it stays on its thread (no await inside).
        using (FinalizerGate.Enter())
        {
            Abandon(finalized);
            // Collections from another thread, as the other worker's allocations make them, and time for a finalizer to run.
            var collector = new Thread(() =>
            {
                for (int i = 0; i < 5; i++)
                {
                    GC.Collect();
                    Thread.Sleep(200);
                }
            });
            collector.Start();
            collector.Join();
            Assert.False(Volatile.Read(ref finalized.Value), "a finalizer ran while torch work was in flight");
        }
        // The next safe point lets it run.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Volatile.Read(ref finalized.Value) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            GC.Collect();
            Thread.Sleep(50);
        }
        Assert.True(finalized.Value, "the finalizer never ran after the section ended");
    }

    [Fact]
    public async Task A_safe_point_waits_for_running_sections_and_sections_keep_running_between_safe_points()
    {
        FinalizerGate.Start();
        var before = FinalizerGate.Counts.SafePoints;
        using var x = randn(64, 64);
        long done = 0;
        // Two threads adding tensors in short sections for longer than a few safe-point intervals, collections forced meanwhile.
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < FinalizerGate.Interval * 4)
            {
                using var inFlight = FinalizerGate.Enter();
                using var scope = NewDisposeScope();
                Assert.Equal(2 * x.sum().item<float>(), (x + x).sum().item<float>(), 2);
                Interlocked.Increment(ref done);
            }
        })).ToArray();
        var collector = Task.Run(async () =>
        {
            while (!workers.All(w => w.IsCompleted))
            {
                GC.Collect(0, GCCollectionMode.Forced);
                await Task.Delay(20);
            }
        });
        await Task.WhenAll(workers);
        await collector;
        Assert.True(done > 20, $"only {done} sections ran");
        Assert.Equal(0, FinalizerGate.Counts.Unprotected);
        Assert.True(FinalizerGate.Counts.SafePoints > before, "no safe point was taken between the sections");
    }

    [Fact]
    public void Waiting_for_pending_finalizers_returns_while_the_gate_runs()
    {
        FinalizerGate.Start();
        var waiter = new Thread(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
        });
        waiter.Start();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(20)), $"GC.WaitForPendingFinalizers never returned; gate {FinalizerGate.Counts}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Abandon(StrongBox<bool> flag) => _ = new Finalizable(flag);

    sealed class Finalizable(StrongBox<bool> flag)
    {
        ~Finalizable() => Volatile.Write(ref flag.Value, true);
    }
}
