using System.Text.RegularExpressions;

namespace Media.Cli.Tests.Commands.Eval;

/// <summary>
/// `media eval image-dar` on a D-AR model the CLI trains for two steps: the headline lines scripts read, and the
/// layout-control line for the issue's k = 1, 2, 4 beside its chance level.
/// </summary>
public sealed class ImageDArEvalCommandTests
{
    [Fact]
    [Slow("trains a tiny D-AR tokenizer and GPT, then evaluates them, in CLI processes")]
    public async Task Prints_the_headline_lines_and_layout_control_for_one_two_and_four_groups()
    {
        using var temp = new TempDirectory();
        var (code, output) = await CliProcess.RunAsync("train", "image-dar-tokenizer", "--run", temp.File("tok"), "--steps", "1", "--batch", "2",
            "--eval-every", "0", "--threads", "1", "--out", temp.File("tok-out"));
        Assert.True(code == 0, output);
        (code, output) = await CliProcess.RunAsync("train", "image-dar", "--tokenizer", temp.File("tok-out"), "--run", temp.File("ar"), "--steps", "1",
            "--batch", "2", "--samples", "4", "--dim", "32", "--layers", "1", "--heads", "2", "--threads", "1", "--out", temp.File("model"));
        Assert.True(code == 0, output);

        (code, output) = await CliProcess.RunAsync("eval", "image-dar", "--model", temp.File("model"), "--n", "2", "--preview-n", "2", "--layout-n", "3",
            "--token-shuffle", "none", "--threads", "1");

        Assert.True(code == 0, output);
        foreach (string line in new[] { "colour accuracy", "shape accuracy", "position accuracy" })
            Assert.Matches($@"(?m)^{line}: [0-9.]+$", output);
        Assert.Matches("(?m)^preview psnr rises at every group: (yes|no)$", output);
        var layout = Regex.Match(output, @"(?m)^layout control, objects in the reference's cell \(3 prompts\): (.*)$");
        Assert.True(layout.Success, output);
        Assert.Equal(["k=0", "k=1", "k=2", "k=4"], Regex.Matches(layout.Groups[1].Value, @"k=\d").Select(m => m.Value));

        (code, output) = await CliProcess.RunAsync("eval", "image-dar", "--model", temp.File("model"), "--n", "1", "--preview-n", "0", "--layout-n", "0",
            "--token-shuffle", "none", "--threads", "1");
        Assert.True(code == 0, output);
        Assert.DoesNotContain("layout control", output, StringComparison.Ordinal);
    }
}
