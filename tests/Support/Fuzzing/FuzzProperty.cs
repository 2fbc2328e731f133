using System.Diagnostics;
using CsCheck;
using Xunit.Abstractions;

namespace Media.Tests.Support.Fuzzing;

/// <summary>
/// Runs a fuzz target under CsCheck (one thread, <see cref="FuzzBudget"/> executions, shrinking on failure) and
/// checks, on every execution, what the target itself cannot: it ended within <c>maxSeconds</c> (a hang bound, far
/// above a normal run, not a performance figure) and allocated at most <c>maxAllocatedBytes</c> on its thread
/// (the memory bound of a parser over a small input). Prints the count it ran.
/// </summary>
public static class FuzzProperty
{
    public static void Check<T>(Gen<T> inputs, Action<T> target, long modestExecutions, ITestOutputHelper? output = null,
        double maxSeconds = 10, long maxAllocatedBytes = 256L << 20, Func<T, string>? print = null)
    {
        long executions = FuzzBudget.Executions(modestExecutions);
        var clock = Stopwatch.StartNew();
        inputs.Sample(input =>
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            target(input);
            var took = Stopwatch.GetElapsedTime(start);
            long bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (took.TotalSeconds > maxSeconds) throw new FuzzBoundException($"one execution took {took.TotalSeconds:F1} s (bound {maxSeconds} s)");
            if (bytes > maxAllocatedBytes) throw new FuzzBoundException($"one execution allocated {bytes >> 20} MiB (bound {maxAllocatedBytes >> 20} MiB)");
        }, seed: FuzzBudget.Seed, iter: executions, threads: 1, print: print);
        output?.WriteLine($"fuzz: {executions} executions in {clock.Elapsed.TotalSeconds:F1} s, no finding");
    }

    /// <summary>The asynchronous form, for targets that call a server (time bounded; allocations are not per thread there).</summary>
    public static async Task CheckAsync<T>(Gen<T> inputs, Func<T, Task> target, long modestExecutions, ITestOutputHelper? output = null,
        double maxSeconds = 20, Func<T, string>? print = null)
    {
        long executions = FuzzBudget.Executions(modestExecutions);
        var clock = Stopwatch.StartNew();
        await inputs.SampleAsync(async input =>
        {
            long start = Stopwatch.GetTimestamp();
            await target(input).ConfigureAwait(false);
            var took = Stopwatch.GetElapsedTime(start);
            if (took.TotalSeconds > maxSeconds) throw new FuzzBoundException($"one execution took {took.TotalSeconds:F1} s (bound {maxSeconds} s)");
        }, seed: FuzzBudget.Seed, iter: executions, threads: 1, print: print).ConfigureAwait(false);
        output?.WriteLine($"fuzz: {executions} executions in {clock.Elapsed.TotalSeconds:F1} s, no finding");
    }
}

/// <summary>An execution that broke the time or memory bound of <see cref="FuzzProperty"/>.</summary>
public sealed class FuzzBoundException(string message) : Exception(message);
