using System.Buffers.Binary;
using Media.Audio.Formats;
using Media.Audio.IO;
using Media.Tests.Support.Fuzzing;
using NAudio.Wave;
using Xunit.Abstractions;

namespace Media.Audio.Tests.Fuzzing;

/// <summary>
/// The WAV reader takes uploads (<c>prompt_audio</c>, codec input): any bytes must come back as audio or as an
/// <see cref="AudioFormatException"/> naming the reason, within bounded time and memory. Seeds are valid files in
/// every format the reader takes (PCM 8/16/24/32, float 32/64, extensible, streamed with unknown sizes).
/// </summary>
[Trait("Category", FuzzBudget.Category)]
[Trait("FuzzTarget", "wav")]
public sealed class WavReaderFuzzTests(ITestOutputHelper output)
{
    internal static IReadOnlyList<byte[]> Seeds()
    {
        var mono = AudioBuffer.FromMono(TestSignals.Sine(440, 8000, 40, 0.5), 8000);
        var stereo = new AudioBuffer([TestSignals.Sine(300, 16000, 24, 0.4), TestSignals.Sine(500, 16000, 24, 0.4)], 16000);
        var seeds = new List<byte[]>
        {
            WavFile.ToBytes(mono), WavFile.ToBytes(stereo, WavSampleFormat.Pcm24), WavFile.ToBytes(mono, WavSampleFormat.Pcm32),
            WavFile.ToBytes(stereo, WavSampleFormat.IeeeFloat32),
            NAudioFile(new WaveFormat(8000, 8, 1), 16), NAudioFile(WaveFormat.CreateIeeeFloatWaveFormat(8000, 1), 0, bitsOverride: 64),
            NAudioFile(new WaveFormatExtensible(8000, 16, 2), 20),
        };
        using var encoder = new WavStreamEncoder();
        short[] pcm = Pcm16.Interleave(mono);
        seeds.Add([.. encoder.Append(pcm, 8000, 1), .. encoder.Finish()]);
        return seeds;
    }

    static byte[] NAudioFile(WaveFormat format, int dataBytes, int bitsOverride = 0)
    {
        using var stream = new MemoryStream();
        using (var writer = new WaveFileWriter(stream, format)) writer.Write(new byte[dataBytes], 0, dataBytes);
        var bytes = stream.ToArray();
        if (bitsOverride == 64)
        {
            // NAudio has no 64-bit float writer: patch the header of a 32-bit one (bits, block align, byte rate) and add 8-byte frames.
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(34), 64);
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(32), 8);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), 8000 * 8);
            int dataAt = bytes.Length - 4 - dataBytes;
            var frames = new byte[8 * 5];
            BinaryPrimitives.WriteDoubleLittleEndian(frames, 0.25);
            bytes = [.. bytes, .. frames];
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(dataAt), dataBytes + frames.Length);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), bytes.Length - 8);
        }
        return bytes;
    }

    [Fact]
    public void Every_seed_is_a_wav_the_reader_takes()
    {
        foreach (var seed in Seeds()) Assert.True(WavFile.Read(seed).Length > 0);
    }

    [Fact]
    public void Mutated_wavs_are_read_or_refused_with_the_reason() =>
        FuzzProperty.Check(ByteMutations.Of(Seeds()), ReadOrRefuse, modestExecutions: 3000, output,
            // The reader's own memory: a copy of the input, planar floats (4 bytes per 8-bit sample at worst) and NAudio's header.
            maxAllocatedBytes: 8L << 20, print: Convert.ToHexString);

    /// <summary>The property: audio with frames in it, or the reader's one documented refusal.</summary>
    internal static void ReadOrRefuse(byte[] bytes)
    {
        try
        {
            var audio = WavFile.Read(bytes);
            Assert.True(audio.SampleRate > 0 && audio.ChannelCount > 0);
        }
        catch (AudioFormatException e)
        {
            Assert.StartsWith("Cannot read WAV", e.Message, StringComparison.Ordinal);
        }
    }
}

/// <summary>Inputs the WAV fuzzer found, each kept as it was found (docs/SECURITY.md, "Findings").</summary>
public sealed class WavReaderFuzzFindings
{
    [Fact]
    public void A_chunk_before_data_that_claims_two_gigabytes_is_refused_not_thrown()
    {
        // Fuzz finding 1 (seed 9bQ9aDwbngS1): a 'fmt ' chunk of declared size 0x7FFFFFFF. NAudio reads the format fields it
        // needs; the walk to the data chunk then moved the stream past 2 GiB and MemoryStream threw ArgumentOutOfRangeException.
        byte[] input = Convert.FromHexString(
            "524946465A00000057415645666D7420FFFFFF7F03000100401F000000FA00000800400000006661637404000000000000006461746128000000"
            + "000000000000D03F000000000000000000000000000000000000000000000000D435CF49C0C0194FEC67AA2729460AFB1A7507EEC25563E5DE13D0C1"
            + "249A828FB7E80000000000000000");

        var refused = Assert.Throws<AudioFormatException>(() => WavFile.Read(input));

        Assert.Contains("no data chunk", refused.Message, StringComparison.Ordinal);
    }
}
