using System.Text;
using Media.Audio.Formats;
using Media.Audio.IO;
using NAudio.Wave;

namespace Media.Audio.Tests.IO;

public sealed class WavFileTests
{
    static AudioBuffer Stereo(int rate = 16000, int length = 1000)
    {
        var left = TestSignals.Sine(440, rate, length, 0.8);
        var right = TestSignals.Noise(length, 3, 0.25).Select(v => Math.Clamp(v, -0.99f, 0.99f)).ToArray();
        return new AudioBuffer([left, right], rate);
    }

    [Theory]
    [InlineData(WavSampleFormat.Pcm16, 16)]
    [InlineData(WavSampleFormat.Pcm24, 24)]
    [InlineData(WavSampleFormat.Pcm32, 32)]
    public void Integer_pcm_round_trip_is_within_half_a_quantisation_step(WavSampleFormat format, int bits)
    {
        var audio = Stereo();
        var back = WavFile.Read(WavFile.ToBytes(audio, format));

        Assert.Equal(2, back.ChannelCount);
        Assert.Equal(audio.SampleRate, back.SampleRate);
        Assert.Equal(audio.Length, back.Length);
        double halfStep = Math.Pow(2, -bits); // step 2^-(bits-1), half of it
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < audio.Length; i++)
                Assert.True(Math.Abs(back.Channels[c][i] - audio.Channels[c][i]) <= halfStep + 1e-9, $"{format} channel {c} sample {i}");
    }

    [Fact]
    public void Float_round_trip_is_exact()
    {
        var audio = Stereo();
        var back = WavFile.Read(WavFile.ToBytes(audio, WavSampleFormat.IeeeFloat32));
        Assert.Equal(audio.Channels[0], back.Channels[0]);
        Assert.Equal(audio.Channels[1], back.Channels[1]);
    }

    [Fact]
    public void Writing_what_was_read_is_bit_exact_for_pcm16()
    {
        var bytes = WavFile.ToBytes(Stereo(), WavSampleFormat.Pcm16);
        Assert.Equal(bytes, WavFile.ToBytes(WavFile.Read(bytes), WavSampleFormat.Pcm16));
    }

    [Fact]
    public void Integer_formats_clip_out_of_range_samples()
    {
        var audio = AudioBuffer.FromMono([1.5f, -2f, 1f, -1f], 8000);
        var back = WavFile.Read(WavFile.ToBytes(audio, WavSampleFormat.Pcm16));
        Assert.Equal(new[] { 32767 / 32768f, -1f, 32767 / 32768f, -1f }, back.Channels[0]);
    }

    [Fact]
    public void Eight_bit_and_extensible_files_written_by_naudio_are_read()
    {
        using var eight = new MemoryStream();
        using (var writer = new WaveFileWriter(eight, new WaveFormat(8000, 8, 1)))
            writer.Write([0, 64, 128, 192, 255], 0, 5);
        Assert.Equal(new[] { -1f, -0.5f, 0f, 0.5f, 127 / 128f }, WavFile.Read(eight.ToArray()).Channels[0]);

        using var extensible = new MemoryStream();
        using (var writer = new WaveFileWriter(extensible, new WaveFormatExtensible(22050, 16, 2)))
            writer.WriteSamples(new short[] { 16384, -16384, 8192, -8192 }, 0, 4);
        var read = WavFile.Read(extensible.ToArray());
        Assert.Equal(22050, read.SampleRate);
        Assert.Equal(new[] { 0.5f, 0.25f }, read.Channels[0]);
        Assert.Equal(new[] { -0.5f, -0.25f }, read.Channels[1]);
    }

    [Fact]
    public void Stereo_mixes_down_to_the_mean_and_mono_duplicates_to_stereo()
    {
        var audio = new AudioBuffer([[1f, 0.5f], [0f, -0.5f]], 8000);
        Assert.Equal(new[] { 0.5f, 0f }, audio.ToMonoSamples());
        var stereo = AudioBuffer.FromMono([0.25f, -0.75f], 8000).WithChannels(2);
        Assert.Equal(stereo.Channels[0], stereo.Channels[1]);
        Assert.Throws<ArgumentException>(() => new AudioBuffer([[0f], [0f], [0f]], 8000).WithChannels(2));
        Assert.Throws<ArgumentException>(() => new AudioBuffer([[0f], [0f, 1f]], 8000));
    }

    [Fact]
    public void A_stream_is_read_from_its_current_position_and_left_open()
    {
        var bytes = WavFile.ToBytes(AudioBuffer.FromMono([0.5f, -0.25f], 8000));
        using var stream = new MemoryStream([.. new byte[7], .. bytes]);
        stream.Position = 7;
        Assert.Equal(new[] { 0.5f, -0.25f }, WavFile.Read(stream).Channels[0]);
        Assert.True(stream.CanRead);
    }

    [Fact]
    public void Files_on_disk_round_trip()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wav-{Guid.NewGuid():N}.wav");
        try
        {
            var audio = Stereo(44100, 441);
            WavFile.Write(path, audio, WavSampleFormat.IeeeFloat32);
            Assert.Equal(audio.Channels[1], WavFile.Read(path).Channels[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_streamed_wav_with_unknown_sizes_is_read_to_the_end_of_its_data()
    {
        // What /v1/audio/speech sends with stream_format "audio": RIFF and data sizes 0xFFFFFFFF, then the PCM as it came.
        var audio = AudioBuffer.FromMono(TestSignals.Sine(440, 8000, 1234, 0.5), 8000);
        using var encoder = new WavStreamEncoder();
        short[] pcm = Pcm16.Interleave(audio);
        byte[] streamed = [.. encoder.Append(pcm.AsSpan(0, 1000), 8000, 1), .. encoder.Append(pcm.AsSpan(1000), 8000, 1), .. encoder.Finish()];
        Assert.Equal(0xFFFFFFFFu, BitConverter.ToUInt32(streamed, 40));

        var back = WavFile.Read(streamed);

        Assert.Equal(8000, back.SampleRate);
        Assert.Equal(pcm.Select(Pcm16.ToFloat), back.Channels[0]);
        // A stream cut mid-frame keeps its whole frames.
        Assert.Equal(1233, WavFile.Read(streamed[..^1]).Length);
    }

    public static TheoryData<string, byte[], string> BrokenInputs()
    {
        var valid = WavFile.ToBytes(AudioBuffer.FromMono(TestSignals.Sine(300, 8000, 4000), 8000));
        using var mulaw = new MemoryStream();
        using (var writer = new WaveFileWriter(mulaw, WaveFormat.CreateMuLawFormat(8000, 1)))
            writer.Write(new byte[800], 0, 800);
        // An MP3 file: ID3v2 tag header then an MPEG-1 Layer III frame sync.
        byte[] mp3 = [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 0, 0xFF, 0xFB, 0x90, 0x64, .. new byte[400]];
        var random = new byte[2048];
        new Random(7).NextBytes(random);
        return new TheoryData<string, byte[], string>
        {
            { "empty", [], "empty" },
            { "random bytes", random, "RIFF/WAVE" },
            { "mp3", mp3, "RIFF/WAVE" },
            { "text", Encoding.ASCII.GetBytes("RIFF, but not really a wave file at all"), "RIFF/WAVE" },
            { "mu-law", mulaw.ToArray(), "MuLaw" },
            { "truncated data", valid[..(valid.Length / 2)], "truncated" },
            { "truncated header", valid[..30], "Cannot read WAV" },
            { "half a frame of data", WithDataChunk(valid, [1, 2, 3]), "frames" },
        };
    }

    // The header of `wav` up to its data chunk, then a data chunk holding `data`.
    static byte[] WithDataChunk(byte[] wav, byte[] data)
    {
        int at = wav.AsSpan().IndexOf("data"u8);
        var bytes = new List<byte>(wav[..(at + 4)]);
        bytes.AddRange(BitConverter.GetBytes(data.Length));
        bytes.AddRange(data);
        var result = bytes.ToArray();
        BitConverter.GetBytes(result.Length - 8).CopyTo(result, 4);
        return result;
    }

    [Theory]
    [MemberData(nameof(BrokenInputs))]
    public void Broken_or_unsupported_input_gets_a_clear_audio_format_error(string name, byte[] bytes, string expected)
    {
        var error = Assert.Throws<AudioFormatException>(() => WavFile.Read(bytes));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(name));
    }
}
