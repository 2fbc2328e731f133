using System.Buffers.Binary;
using Concentus;
using Media.Audio.Formats;

namespace Media.Audio.Tests.Formats;

/// <summary>The built-in encoders (WAV, PCM, Ogg Opus), fed in pieces as a streamed job feeds them.</summary>
public sealed class AudioEncoderTests
{
    /// <summary>A sine of <paramref name="hz"/> at amplitude 8000, <paramref name="frames"/> samples long.</summary>
    internal static short[] Sine(int rate, double hz, int frames) =>
        [.. Enumerable.Range(0, frames).Select(i => (short)Math.Round(8000 * Math.Sin(2 * Math.PI * hz * i / rate)))];

    /// <summary>Feeds <paramref name="samples"/> in uneven pieces (as chunks of a job arrive) and returns all the bytes.</summary>
    internal static byte[] EncodeInPieces(AudioEncoder encoder, short[] samples, int rate)
    {
        var output = new List<byte>();
        int[] sizes = [1, 7, 160, 333, 1000, 77];
        int at = 0;
        for (int i = 0; at < samples.Length; i++)
        {
            int n = Math.Min(sizes[i % sizes.Length], samples.Length - at);
            output.AddRange(encoder.Append(samples.AsSpan(at, n), rate, 1));
            at += n;
        }
        output.AddRange(encoder.Finish());
        return [.. output];
    }

    [Fact]
    public void The_Ogg_CRC_matches_the_published_check_value()
    {
        // CRC-32 with polynomial 0x04C11DB7, unreflected, init 0 and no final xor: CRC-32/POSIX's check 0x765E7680 without its xorout.
        Assert.Equal(0x765E7680u ^ 0xFFFFFFFFu, OggPageWriter.Crc("123456789"u8));
        Assert.Equal(OggReader.BitwiseCrc("123456789"u8), OggPageWriter.Crc("123456789"u8));
    }

    [Fact]
    public void Resampling_in_pieces_gives_the_whole_signals_length_and_keeps_a_tone()
    {
        short[] input = Sine(16000, 440, 16000);
        using var encoder = new PcmStreamEncoder();
        byte[] bytes = EncodeInPieces(encoder, input, 16000);
        var output = new short[bytes.Length / 2];
        for (int i = 0; i < output.Length; i++) output[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i));
        Assert.Equal(24000, output.Length);
        short[] reference = Sine(24000, 440, 24000);
        // Aligned with the input (no delay) and the same tone: the error stays under 2 % of the amplitude.
        for (int i = 100; i < 23900; i++) Assert.InRange(output[i] - reference[i], -160, 160);
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(22050)]
    [InlineData(24000)]
    public void Ogg_Opus_in_pieces_decodes_back_to_the_tone_with_the_inputs_length(int rate)
    {
        short[] input = Sine(rate, 440, rate); // one second
        using var encoder = new OggOpusEncoder();
        var pages = OggReader.Pages(EncodeInPieces(encoder, input, rate));

        Assert.True(pages[0].BeginningOfStream);
        Assert.True(pages[^1].EndOfStream);
        Assert.All(pages, p => Assert.Equal(pages[0].Serial, p.Serial));
        Assert.Equal(Enumerable.Range(0, pages.Count).Select(i => (uint)i), pages.Select(p => p.Sequence));
        byte[] head = pages[0].Packets.Single();
        int preSkip = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        Assert.Equal(rate, BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(12)));
        Assert.Equal(48000, pages[^1].Granule - preSkip);

        // Decode at 48 kHz (any Opus stream decodes at 48 kHz), drop the pre-skip, trim at the last granule.
        using var decoder = OpusCodecFactory.CreateDecoder(48000, 1);
        var decoded = new List<short>();
        var frame = new short[5760];
        foreach (var packet in pages.Skip(2).SelectMany(p => p.Packets))
        {
            int n = decoder.Decode(packet, frame, frame.Length);
            decoded.AddRange(frame.AsSpan(0, n).ToArray());
        }
        short[] audio = [.. decoded.Skip(preSkip).Take(48000)];
        Assert.Equal(48000, audio.Length);
        // A 440 Hz tone at 32 kbit/s: correlated with the ideal 48 kHz tone above 0.99 once past the first 20 ms.
        double[] reference = [.. Sine(48000, 440, 48000).Select(s => (double)s)];
        double dot = 0, a = 0, b = 0;
        for (int i = 960; i < 47000; i++)
        {
            dot += audio[i] * reference[i];
            a += (double)audio[i] * audio[i];
            b += reference[i] * reference[i];
        }
        Assert.InRange(dot / Math.Sqrt(a * b), 0.99, 1.0);
    }

    [Fact]
    public void A_change_of_sample_rate_mid_stream_is_refused()
    {
        using var encoder = new WavStreamEncoder();
        encoder.Append(new short[10], 8000, 1);
        Assert.Throws<InvalidOperationException>(() => encoder.Append(new short[10], 16000, 1));
    }
}
