using System.Text.Json;
using System.Text.RegularExpressions;
using Media.Tests.Support;

namespace Media.Cli.Tests.Commands.Eval;

/// <summary>
/// `media train image-dar-tokenizer --perceptual-net` and `media eval image-dar-tokenizer`: a tokenizer trained with the
/// scene feature network carries REPA's projector, and tokenizers from run folders and exports are scored side by side.
/// </summary>
public sealed class ImageDArTokenizerEvalCommandTests
{
    [Fact]
    [Slow("trains two tiny D-AR tokenizers and evaluates them, in CLI processes")]
    public async Task Compares_tokenizers_from_run_folders_and_exports_and_prints_the_headline_lines()
    {
        using var temp = new TempDirectory();
        var (code, output) = await CliProcess.RunAsync("train", "image-dar-tokenizer", "--run", temp.File("plain"), "--steps", "1", "--batch", "2",
            "--eval-every", "0", "--checkpoint-every", "1", "--threads", "1");
        Assert.True(code == 0, output);
        (code, output) = await CliProcess.RunAsync("train", "image-dar-tokenizer", "--run", temp.File("repa"), "--steps", "1", "--batch", "2",
            "--eval-every", "0", "--threads", "1", "--perceptual-net", CommittedModels.Path("scene-features"), "--out", temp.File("repa-out"));
        Assert.True(code == 0, output);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("repa-out"), "config.json"))))
            Assert.Equal(64, config.RootElement.GetProperty("repa_dim").GetInt32());

        (code, output) = await CliProcess.RunAsync("eval", "image-dar-tokenizer", "--tokenizer", temp.File("plain"), "--tokenizer", temp.File("repa-out"),
            "--image-vq", CommittedModels.Path("image-vq"), "-n", "2", "--threads", "1");

        Assert.True(code == 0, output);
        var header = Regex.Match(output, @"(?m)^\| 2 held-out scenes, round trip \| (.*) \|$");
        Assert.True(header.Success, output);
        Assert.Equal(3, header.Groups[1].Value.Split(" | ").Length);
        Assert.Matches(@"(?m)^\| psnr \(dB\) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$", output);
        Assert.Matches(@"(?m)^reconstruction psnr: [0-9.]+$", output);
        Assert.Matches(@"(?m)^reconstruction shape accuracy: [0-9.]+$", output);

        (code, output) = await CliProcess.RunAsync("eval", "image-dar-tokenizer", "--tokenizer", temp.File("nothing"), "--image-vq", "none", "-n", "1", "--threads", "1");
        Assert.NotEqual(0, code);
    }
}
