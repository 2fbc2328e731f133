namespace Media.Cli.Tests;

public sealed class ImageArTests
{
    [Fact]
    public async Task Generate_image_without_a_trained_model_fails_naming_the_missing_config()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-model-" + Guid.NewGuid().ToString("N"));
        var (code, output) = await CliProcess.RunAsync("generate", "image", "a red circle", "--model", missing, "--vq", missing);
        Assert.NotEqual(0, code);
        Assert.Contains("No Token-Shuffle config", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_image_ar_refuses_a_window_other_than_1_2_or_4()
    {
        var (code, output) = await CliProcess.RunAsync("train", "image-ar", "--shuffle", "3");
        Assert.NotEqual(0, code);
        Assert.Contains("--shuffle must be 1, 2 or 4", output, StringComparison.Ordinal);
    }
}
