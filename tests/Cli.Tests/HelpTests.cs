namespace Media.Cli.Tests;

public sealed class HelpTests
{
    [Fact]
    public async Task Help_lists_the_implemented_verbs()
    {
        var (code, output) = await CliProcess.RunAsync("--help");
        Assert.Equal(0, code);
        foreach (string verb in new[] { "info", "generate", "train", "eval", "bench", "codec" })
            Assert.Matches($@"(?m)^\s+{verb}\s", output);
    }

    [Fact]
    public async Task Info_runs_libtorch_and_reports_the_device()
    {
        var (code, output) = await CliProcess.RunAsync("info");
        Assert.Equal(0, code);
        Assert.Contains("libtorch cpu", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_device_fails_with_a_clear_message()
    {
        var (code, output) = await CliProcess.RunAsync("info", "--device", "tpu");
        Assert.NotEqual(0, code);
        Assert.Contains("cpu, cuda or cuda:N", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_option_the_command_does_not_have_fails_instead_of_being_ignored()
    {
        var (code, output) = await CliProcess.RunAsync("info", "--until", "60");
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown option", output, StringComparison.Ordinal);
    }
}
