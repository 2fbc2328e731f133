using System.Globalization;
using System.Text.RegularExpressions;
using Media.LocalCluster;

namespace Media.Cli.Tests.Bench;

/// <summary>
/// <c>media bench scale-out</c>: how it counts what clients lost (against each job's log), and the whole machinery at a tiny
/// size — real gateway and worker processes on the bench's own servers — printing its headline lines. No timing is asserted.
/// </summary>
public sealed class ScaleOutBenchTests
{
    [Fact]
    public void A_client_that_received_every_logged_event_once_in_order_lost_nothing()
    {
        Assert.Equal(new EventTally(5, 0, 0, 0), EventTally.Count([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]));
    }

    [Fact]
    public void Events_missing_from_the_middle_or_the_end_of_a_stream_count_as_lost()
    {
        // 3 dropped in the middle; 6 and 7 (the terminal event) never arrived.
        Assert.Equal(new EventTally(7, 3, 0, 0), EventTally.Count([1, 2, 4, 5], [1, 2, 3, 4, 5, 6, 7]));
    }

    [Fact]
    public void Repeated_and_reordered_events_are_counted_apart_from_lost_ones()
    {
        Assert.Equal(new EventTally(4, 0, 2, 1), EventTally.Count([1, 3, 2, 2, 3, 4], [1, 2, 3, 4]));
        Assert.Equal(new EventTally(6, 2, 0, 0) + new EventTally(4, 1, 1, 0), new EventTally(10, 3, 1, 0));
    }

    [SkippableFact]
    [Slow("starts redis-server, PostgreSQL, gateways and image workers as processes, and runs the committed token-shuffle")]
    public async Task Bench_scale_out_at_tiny_size_runs_every_job_and_prints_its_headline_lines_with_nothing_lost()
    {
        Skip.If(LocalServerProcesses.Missing is not null, LocalServerProcesses.Missing);
        var (code, output) = await CliProcess.RunAsync("bench", "scale-out", "--jobs", "4");
        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^1 worker\(s\): [\d.]+ jobs/min \(4/4 completed", output);
        Assert.Matches(@"(?m)^2 worker\(s\): [\d.]+ jobs/min \(4/4 completed", output);
        var ratio = Regex.Match(output, @"(?m)^scale-out throughput ratio: (\d+\.\d+)$");
        Assert.True(ratio.Success, output);
        Assert.True(double.Parse(ratio.Groups[1].Value, CultureInfo.InvariantCulture) > 0, output);
        Assert.Matches(@"(?m)^lost events: 0$", output);
        Assert.Matches(@"(?m)^event p99 ms: [\d.]+$", output);
    }
}
