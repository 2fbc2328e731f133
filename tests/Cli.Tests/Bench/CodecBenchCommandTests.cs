using System.Text.RegularExpressions;
using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Vocos;
using static TorchSharp.torch;

namespace Media.Cli.Tests.Bench;

public sealed class CodecBenchCommandTests
{
    [Fact]
    [Slow("a benchmark in a CLI process")]
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

            // The same codec with a Vocos decoder beside it, in its own folder: measured in the same run with the decoder it serves.
            string withVocos = Path.Combine(folder, "vocos");
            Directory.CreateDirectory(withVocos);
            File.Copy(checkpoint, Path.Combine(withVocos, "model.safetensors"));
            File.WriteAllText(Path.Combine(withVocos, "config.json"), config.ToJson());
            var vocosConfig = new VocosConfig { InputChannels = 8, Dim = 16, IntermediateDim = 32, NumLayers = 1, ConditionCodebooks = [1, 2], SampleRate = 16_000 };
            using (var vocos = new VocosDecoder(vocosConfig)) Checkpoint.Save(vocos, Path.Combine(withVocos, NeuralAudioCodec.VocosWeightsFile));
            File.WriteAllText(Path.Combine(withVocos, NeuralAudioCodec.VocosConfigFile), vocosConfig.ToJson());

            var (code, output) = await CliProcess.RunAsync("bench", "codec", "--seconds", "0.2", "--repeats", "1", "--checkpoint", checkpoint, "--checkpoint", withVocos);

            Assert.Equal(0, code);
            var lines = Regex.Matches(output, @"(?m)^codec rtf: (\d+\.\d+) +(.*)$");
            Assert.Equal(3, lines.Count);
            Assert.Contains("encodec 24 kHz", lines[0].Groups[2].Value, StringComparison.Ordinal);
            Assert.Contains("(encodec decoder); 16 kHz, 0.4 kbps (2 codebooks)", lines[1].Groups[2].Value, StringComparison.Ordinal);
            Assert.Contains("(vocos decoder); 16 kHz, 0.4 kbps (2 codebooks)", lines[2].Groups[2].Value, StringComparison.Ordinal);
            // The real-time factor is the encode and decode seconds (printed beside it) over the 0.2 s of audio.
            foreach (Match line in lines)
            {
                var times = Regex.Match(line.Value, @"encode (\d+\.\d+) s, decode (\d+\.\d+) s");
                Assert.True(times.Success, line.Value);
                double expected = (Parse(times.Groups[1].Value) + Parse(times.Groups[2].Value)) / 0.2;
                // Encode and decode are printed to 1 ms, the ratio to 0.1 ms.
                Assert.InRange(Parse(line.Groups[1].Value), expected - 0.0101, expected + 0.0101);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static double Parse(string number) => double.Parse(number, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_missing_checkpoint_is_reported_clearly()
    {
        var (code, output) = await CliProcess.RunAsync("bench", "codec", "--checkpoint", "/nonexistent/model.safetensors");
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }
}
