using System.Globalization;
using System.Text.RegularExpressions;

namespace Media.Cli.Tests;

public sealed partial class BenchTests
{
    [GeneratedRegex(@"(?m)^(kv-cache speedup|batching speedup|matmul peak GFLOP/s): (\d+\.\d+)\s*$")]
    private static partial Regex SummaryLine();

    [Fact]
    [Slow("a benchmark in a CLI process")]
    public async Task Kv_cache_bench_prints_the_three_summary_lines_and_the_cache_reproduces_the_uncached_tokens()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "kv-cache", "--tokens", "4", "--prompt", "4", "--requests", "2");
        Assert.True(code == 0, output);
        var lines = SummaryLine().Matches(output).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.Equal(new[] { "batching speedup", "kv-cache speedup", "matmul peak GFLOP/s" }, lines.Keys.Order(StringComparer.Ordinal));
        Assert.All(lines.Values, v => Assert.True(v > 0));
        Assert.Contains("same tokens with and without the cache: yes", output, StringComparison.Ordinal);
        Assert.Contains("same tokens batched and one by one: yes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kv_cache_bench_rejects_too_few_tokens()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "kv-cache", "--tokens", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("--tokens must be at least 2", output, StringComparison.Ordinal);
    }
}
