using System.Globalization;
using System.Text.RegularExpressions;

namespace Media.Cli.Tests.Bench;

public sealed class GatewayBenchCommandTests
{
    static double Number(string output, string label)
    {
        var match = Regex.Match(output, $@"(?m)^{Regex.Escape(label)}: (\d+\.\d+)$");
        Assert.True(match.Success, $"'{label}: X' missing from:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    [Slow("a benchmark in a CLI process")]
    public async Task Bench_gateway_prints_event_p50_p99_and_the_gateway_overhead()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "gateway", "--clients", "3", "--jobs", "2", "--seconds", "1");

        Assert.True(code == 0, output);
        double p50 = Number(output, "event p50 ms"), p99 = Number(output, "event p99 ms");
        Assert.InRange(p50, 0, p99);
        // The overhead is the gateway's seconds over the direct calls' seconds, both printed on the next line.
        var seconds = Regex.Match(output, @"through the gateway \(submit \+ SSE to completion\) (\d+\.\d+) s .*direct generator calls (\d+\.\d+) s");
        Assert.True(seconds.Success, output);
        double gateway = double.Parse(seconds.Groups[1].Value, CultureInfo.InvariantCulture), direct = double.Parse(seconds.Groups[2].Value, CultureInfo.InvariantCulture);
        // Both times are printed to 1 ms, the ratio to 0.01: the ratio of the printed times, widened by that rounding.
        Assert.InRange(Number(output, "gateway overhead"), (gateway - 0.0005) / (direct + 0.0005) - 0.005, (gateway + 0.0005) / (direct - 0.0005) + 0.005);
        Assert.Matches(@"3 clients, \d+ live generator events", output);
    }

    [Fact]
    public async Task A_client_count_of_zero_is_refused_clearly()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "gateway", "--clients", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--clients must be in 1..1000", output, StringComparison.Ordinal);
    }
}
