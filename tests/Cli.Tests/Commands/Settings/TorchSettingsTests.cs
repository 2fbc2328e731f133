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

    [Theory]
    [InlineData("32-8")]
    [InlineData("8-x")]
    [InlineData("0")]
    public async Task A_decode_schedule_that_is_not_N_or_N_to_M_is_refused_before_any_work(string schedule)
    {
        var (code, output) = await CliProcess.RunAsync("bench", "tts", "--decode-frames", schedule);

        Assert.NotEqual(0, code);
        Assert.Contains("--decode-frames takes N or N-M", output, StringComparison.Ordinal);
    }
}
