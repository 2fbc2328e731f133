using System.Diagnostics;
using Media.Services.Image.Generation;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// What the side-by-side benchmarks measure with: wall seconds beside this process's CPU seconds (which other tenants of a shared
/// machine do not inflate), requests one by one or all at once, and the fixed image request they time.
/// </summary>
internal static class BenchClock
{
    /// <summary>Wall and process CPU seconds of <paramref name="run"/>.</summary>
    public static async Task<(double Wall, double Cpu)> MeasureAsync(Func<Task> run)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await run();
        clock.Stop();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Wall and process CPU seconds of <paramref name="run"/>, on the caller's thread.</summary>
    public static (double Wall, double Cpu) Measure(Action run)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        run();
        clock.Stop();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Requests 0..<paramref name="count"/>-1, each after the previous one finished.</summary>
    public static async Task OneByOne(Func<int, Task> one, int count)
    {
        for (int i = 0; i < count; i++) await one(i);
    }

    /// <summary>Requests 0..<paramref name="count"/>-1 all at once (the generator batches them).</summary>
    public static Task Concurrently(Func<int, Task> one, int count) => Task.WhenAll(Enumerable.Range(0, count).Select(one));

    /// <summary>The image request the image benchmarks time: one fixed caption, temperature 1, top-k 100, seed <paramref name="i"/>.</summary>
    public static ImageRequest ImageRequest(int i, int previewEvery) => new("a small red circle to the left of a blue square")
    {
        PreviewEvery = previewEvery,
        Sampling = new() { Temperature = 1.0, TopK = 100, Seed = (ulong)i },
    };
}
