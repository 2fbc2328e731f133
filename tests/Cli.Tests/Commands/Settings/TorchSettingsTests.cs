namespace Media.Cli.Tests.Commands.Settings;

public sealed class TorchSettingsTests
{
    [Theory]
    [InlineData("bench", "kv-cache")]
    [InlineData("train", "codec")]
    [InlineData("eval", "image-vq")]
    public async Task A_negative_thread_count_is_refused_before_any_work(string verb, string command)
    {
        var (code, output) = await CliProcess.RunAsync(verb, command, "--threads", "-1");

        Assert.NotEqual(0, code);
        Assert.Contains("--threads must be", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_device_names_the_devices_there_are()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "kv-cache", "--device", "tpu");

        Assert.NotEqual(0, code);
        Assert.Contains("cpu, cuda or cuda:N", output, StringComparison.Ordinal);
    }
}
