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
    public async Task Bench_gateway_prints_event_p50_p99_and_the_gateway_overhead()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "gateway", "--clients", "3", "--jobs", "2", "--seconds", "1");

        Assert.True(code == 0, output);
        double p50 = Number(output, "event p50 ms"), p99 = Number(output, "event p99 ms");
        Assert.InRange(p50, 0, p99);
        Assert.True(Number(output, "gateway overhead") > 0, output);
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
