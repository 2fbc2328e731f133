using System.Text.Json;
using Media.Audio.IO;
using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Encodec;

namespace Media.Cli.Tests.Codec;

[Slow("codec inference in CLI processes")]
public sealed class CodecCommandTests : IDisposable
{
    // A tiny 16 kHz codec (hop 320, 50 frames/s, 6 codebooks of 16 at 0.2 kbps each) saved as our own folder.
    static readonly EncodecConfig Tiny = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [0.4, 1.2] };

    readonly string folder = Directory.CreateTempSubdirectory("media-codec-cli-").FullName;

    string Checkpoint() => TinyCodecFolder.Save(folder, Tiny, seed: 3);

    string Wav(int sampleRate, int samples, int channels = 1)
    {
        var data = Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, samples).Select(i => 0.3f * MathF.Sin(2 * MathF.PI * (220 + 110 * c) * i / sampleRate)).ToArray()).ToArray();
        string path = Path.Combine(folder, $"in-{sampleRate}-{channels}.wav");
        WavFile.Write(path, new AudioBuffer(data, sampleRate));
        return path;
    }

    [Fact]
    public async Task Encode_then_decode_round_trips_with_the_requested_bandwidth_and_the_input_length()
    {
        string checkpoint = Checkpoint();
        string input = Wav(16_000, 8_000);
        string codesPath = Path.Combine(folder, "codes.json"), output = Path.Combine(folder, "out.wav");

        var (encodeCode, encodeOutput) = await CliProcess.RunAsync("codec", "encode", input, "-o", codesPath, "--checkpoint", checkpoint, "--bandwidth", "0.4");
        Assert.True(encodeCode == 0, encodeOutput);

        using var json = JsonDocument.Parse(File.ReadAllText(codesPath));
        var root = json.RootElement;
        Assert.Equal("media-codec-codes/1", root.GetProperty("format").GetString());
        Assert.Equal(16_000, root.GetProperty("sample_rate").GetInt32());
        Assert.Equal(8_000, root.GetProperty("samples").GetInt64());
        Assert.Equal(50, root.GetProperty("frame_rate").GetInt32());
        Assert.Equal(16, root.GetProperty("codebook_size").GetInt32());
        Assert.Equal(0.4, root.GetProperty("bandwidth_kbps").GetDouble(), 9);
        var rows = root.GetProperty("codes").EnumerateArray().ToList();
        Assert.Equal(Tiny.CodebooksForBandwidth(0.4), rows.Count); // 0.4 kbps / (4 bits x 50 Hz) = 2 codebooks
        Assert.All(rows, r => Assert.Equal(25, r.GetArrayLength())); // ceil(8000 / 320)
        Assert.All(rows.SelectMany(r => r.EnumerateArray()), c => Assert.InRange(c.GetInt32(), 0, 15));

        var (decodeCode, decodeOutput) = await CliProcess.RunAsync("codec", "decode", codesPath, "-o", output, "--checkpoint", checkpoint);
        Assert.True(decodeCode == 0, decodeOutput);
        var decoded = WavFile.Read(output);
        Assert.Equal(16_000, decoded.SampleRate);
        Assert.Equal(8_000, decoded.Length);
    }

    [Fact]
    public async Task Without_a_bandwidth_every_codebook_is_used_and_other_rates_and_stereo_are_converted()
    {
        string checkpoint = Checkpoint();
        string input = Wav(24_000, 12_000, channels: 2);
        string codesPath = Path.Combine(folder, "codes.json");

        var (code, output) = await CliProcess.RunAsync("codec", "encode", input, "-o", codesPath, "--checkpoint", checkpoint);

        Assert.True(code == 0, output);
        using var json = JsonDocument.Parse(File.ReadAllText(codesPath));
        Assert.Equal(Tiny.NumQuantizers, json.RootElement.GetProperty("codes").GetArrayLength());
        Assert.Equal(8_000, json.RootElement.GetProperty("samples").GetInt64()); // 0.5 s at 16 kHz
    }

    [Fact]
    public async Task A_broken_wav_fails_with_a_clear_message()
    {
        string checkpoint = Checkpoint();
        string broken = Path.Combine(folder, "broken.wav");
        File.WriteAllBytes(broken, [.. "RIFF"u8.ToArray(), 0x10, 0, 0, 0, .. "WAVEfmt "u8.ToArray(), 1, 2]);

        var (code, output) = await CliProcess.RunAsync("codec", "encode", broken, "-o", Path.Combine(folder, "codes.json"), "--checkpoint", checkpoint);

        Assert.NotEqual(0, code);
        Assert.Contains("cannot read", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // a message, not a stack trace
    }

    [Fact]
    public async Task Codes_from_another_codec_and_a_too_high_bandwidth_are_refused()
    {
        string checkpoint = Checkpoint();
        string codesPath = Path.Combine(folder, "codes.json");
        File.WriteAllText(codesPath, """{"format":"media-codec-codes/1","sample_rate":24000,"channels":1,"samples":640,"frame_rate":75,"codebook_size":1024,"bandwidth_kbps":1.5,"codes":[[1,2],[3,4]]}""");

        var (decodeCode, decodeOutput) = await CliProcess.RunAsync("codec", "decode", codesPath, "-o", Path.Combine(folder, "out.wav"), "--checkpoint", checkpoint);
        var (encodeCode, encodeOutput) = await CliProcess.RunAsync("codec", "encode", Wav(16_000, 1_600), "-o", codesPath, "--checkpoint", checkpoint, "--bandwidth", "24");

        Assert.NotEqual(0, decodeCode);
        Assert.Contains("made by a codec at 24000 Hz", decodeOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, encodeCode);
        Assert.Contains("needs", encodeOutput, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
