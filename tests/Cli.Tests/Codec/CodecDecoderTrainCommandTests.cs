using Media.Tokenizers.Audio.Encodec;

namespace Media.Cli.Tests.Codec;

/// <summary>`media train codec-decoder`: what a fine-tune of a folder's own decoder refuses before it renders anything.</summary>
public sealed class CodecDecoderTrainCommandTests : IDisposable
{
    static readonly EncodecConfig Tiny = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [1.2, 6.0] };

    readonly string folder = Directory.CreateTempSubdirectory("media-codec-decoder-").FullName;

    string SaveCodec() => TinyCodecFolder.Save(folder, Tiny, seed: 5);

    [Fact]
    public async Task Init_decoder_needs_a_folder_with_a_vocos_decoder()
    {
        var (code, output) = await CliProcess.RunAsync("train", "codec-decoder", "--codec", SaveCodec(), "--init-decoder", "--run", Path.Combine(folder, "run"));

        Assert.NotEqual(0, code);
        Assert.Contains("--init-decoder", output, StringComparison.Ordinal);
        Assert.Contains("vocos.safetensors", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "run")));
    }

    [Theory]
    [InlineData("--stft-ffts", "1024,8")]
    [InlineData("--stft-ffts", "4096,x")]
    [InlineData("--clip-seconds", "0")]
    public async Task Refuses_stft_sizes_and_clip_lengths_no_run_can_use(string option, string value)
    {
        var (code, output) = await CliProcess.RunAsync("train", "codec-decoder", "--codec", SaveCodec(), option, value, "--run", Path.Combine(folder, "run"));

        Assert.NotEqual(0, code);
        Assert.Contains(option, output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
