using System.Globalization;
using System.Text.RegularExpressions;

namespace Media.Cli.Tests.Commands.Eval;

public sealed class ImageVqEvalCommandTests
{
    static double Number(string output, string label)
    {
        var match = Regex.Match(output, $@"(?m)^{Regex.Escape(label)}: ([0-9.]+)");
        Assert.True(match.Success, $"no '{label}:' line in:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Committed_tokenizer_reports_psnr_usage_and_perplexity_on_held_out_scenes()
    {
        var (code, output) = await CliProcess.RunAsync("eval", "image-vq", "--n", "8");

        Assert.True(code == 0, output);
        Assert.Contains("images: 8 held-out 64x64", output, StringComparison.Ordinal);
        // A loader that scrambled weights would give noise (about 10 dB); the committed model gives over 20 dB.
        Assert.InRange(Number(output, "psnr"), 20, 100);
        Assert.InRange(Number(output, "codebook usage"), 1.0 / 1024, 1);
        // Perplexity is at most the number of codes.
        Assert.InRange(Number(output, "perplexity"), 1, 1024);
        // The scene evaluator reads every reconstruction: each of the 8 prompts asks for a count and an overall verdict.
        Assert.Contains("count accuracy: ", output, StringComparison.Ordinal);
        Assert.Contains("(n=8)", output, StringComparison.Ordinal);
        Assert.InRange(Number(output, "overall"), 0, 1);
    }

    [Fact]
    public async Task A_missing_model_folder_fails_with_its_path()
    {
        var (code, output) = await CliProcess.RunAsync("eval", "image-vq", "--n", "2", "--model", "/nonexistent/image-vq");

        Assert.NotEqual(0, code);
        Assert.Contains("/nonexistent/image-vq", output, StringComparison.Ordinal);
    }
}
