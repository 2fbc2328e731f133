using System.Text.RegularExpressions;
using Media.Tokenizers.Image;

namespace Media.Cli.Tests.Commands.Settings;

public sealed class TrainingRunSettingsTests
{
    // Each trainer keeps its own defaults although the options are handled in one place.
    [Theory]
    [InlineData("image-vq", "runs/image-vq", "3000", "16", "100")]
    [InlineData("image-ar", "runs/image-ar", "2000", "32", "100")]
    [InlineData("image-dar", "runs/image-dar", "2000", "32", "100")]
    [InlineData("codec", "runs/media-codec", "3000", "8", "50")]
    public async Task Each_trainer_keeps_its_own_defaults(string trainer, string run, string steps, string batch, string checkpointEvery)
    {
        var (code, output) = await CliProcess.RunAsync("train", trainer, "--help");

        Assert.Equal(0, code);
        foreach (var (option, value) in new[] { ("run", run), ("steps", steps), ("batch", batch), ("checkpoint-every", checkpointEvery), ("seed", "1"), ("threads", "1"), ("device", "cpu") })
            Assert.Matches($@"(?m)^\s+--{option}\s+{Regex.Escape(value)}\s", output);
    }

    [Theory]
    [InlineData("image-vq")]
    [InlineData("codec")]
    public async Task A_run_without_steps_is_refused(string trainer)
    {
        var (code, output) = await CliProcess.RunAsync("train", trainer, "--steps", "0");

        Assert.NotEqual(0, code);
        Assert.Contains("--steps and --batch must be positive.", output, StringComparison.Ordinal);
    }

    [Fact]
    [Slow("model training in a CLI process")]
    public async Task A_run_folder_of_another_architecture_is_refused_before_training()
    {
        string run = Directory.CreateTempSubdirectory("media-tests-").FullName;
        try
        {
            string pinned = VqModelFolder.ConfigJson(new VqConfig { CodebookSize = 512 }) + "\n";
            File.WriteAllText(Path.Combine(run, "config.json"), pinned);

            var (code, output) = await CliProcess.RunAsync("train", "image-vq", "--run", run, "--steps", "1", "--eval-every", "0");

            Assert.NotEqual(0, code);
            // Spectre wraps the error at the console width.
            Assert.Contains("describes another model than these options", Regex.Replace(output, @"\s+", " "), StringComparison.Ordinal);
            Assert.Empty(Directory.GetDirectories(run));
            Assert.Equal(pinned, File.ReadAllText(Path.Combine(run, "config.json")));
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    [Slow("model training in CLI processes")]
    public async Task A_run_pins_its_architecture_and_resumes_where_it_stopped()
    {
        string run = Directory.CreateTempSubdirectory("media-tests-").FullName;
        try
        {
            string[] args = ["train", "image-vq", "--run", run, "--steps", "1", "--batch", "2", "--codebook", "16", "--eval-every", "0", "--checkpoint-every", "1"];

            var (code, output) = await CliProcess.RunAsync(args);
            Assert.True(code == 0, output);
            Assert.Contains(": 8x downsampling, 16 x 8 codes", output, StringComparison.Ordinal);
            var written = VqModelFolder.ReadConfig(Path.Combine(run, "config.json"));
            Assert.Equal(16, written.CodebookSize);

            // The pinned config is compared by meaning, not layout: the same architecture written indented still resumes.
            string path = Path.Combine(run, "config.json");
            File.WriteAllText(path, File.ReadAllText(path).Replace(",", ",\n  ", StringComparison.Ordinal) + "\n\n");
            (code, output) = await CliProcess.RunAsync(args);
            Assert.True(code == 0, output);
            Assert.Contains("at step 1 of 1", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }
}
