using System.Text.RegularExpressions;
using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Cli.Tests.Bench;

public sealed class CodecBenchCommandTests
{
    [Fact]
    public async Task Bench_codec_prints_one_rtf_line_for_24_kHz_and_one_for_a_given_checkpoint()
    {
        string folder = Directory.CreateTempSubdirectory("media-tests-").FullName;
        try
        {
            // A tiny 16 kHz codec saved as our own checkpoint with its config.json beside it.
            var config = new EncodecConfig { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [0.4] };
            string checkpoint = Path.Combine(folder, "model.safetensors");
            using (var model = new EncodecModel(config)) Checkpoint.Save(model, checkpoint);
            File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJson());

            var (code, output) = await CliProcess.RunAsync("bench", "codec", "--seconds", "0.2", "--repeats", "1", "--checkpoint", checkpoint);

            Assert.Equal(0, code);
            var lines = Regex.Matches(output, @"(?m)^codec rtf: (\d+\.\d+) +(.*)$");
            Assert.Equal(2, lines.Count);
            Assert.Contains("encodec 24 kHz", lines[0].Groups[2].Value, StringComparison.Ordinal);
            Assert.Contains("16 kHz, 0.4 kbps (2 codebooks)", lines[1].Groups[2].Value, StringComparison.Ordinal);
            Assert.All(lines, m => Assert.True(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_checkpoint_is_reported_clearly()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "codec", "--checkpoint", "/nonexistent/model.safetensors");
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }
}
