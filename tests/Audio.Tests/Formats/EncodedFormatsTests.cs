using Media.Audio.Formats;
using NLayer;

namespace Media.Audio.Tests.Formats;

/// <summary>
/// The encoders from installed libraries (MP3 by LAME, AAC and FLAC by ffmpeg): a sine fed in uneven pieces, as
/// a streamed job feeds it, decodes back (MP3 with NLayer, a managed decoder; AAC and FLAC with ffmpeg) to the
/// same tone and length. test.sh installs the packages; without them these tests fail, naming the package.
/// </summary>
public sealed class EncodedFormatsTests
{
    const int Rate = 24000;
    const double Hz = 440;

    static readonly AudioEncoders Encoders = AudioEncoders.Detect();

    /// <summary>Three seconds of a 440 Hz sine at 24 kHz, encoded in pieces.</summary>
    static byte[] Encode(string format)
    {
        Assert.True(Encoders.IsAvailable(format), $"{format}: {Encoders.MissingSummary()}");
        using var encoder = Encoders.Create(format);
        return AudioEncoderTests.EncodeInPieces(encoder, AudioEncoderTests.Sine(Rate, Hz, 3 * Rate), Rate);
    }

    /// <summary>The tone's frequency from zero crossings over the middle of the signal (away from encoder delay and padding).</summary>
    static double Frequency(short[] samples, int rate)
    {
        int from = samples.Length / 4, to = 3 * samples.Length / 4, crossings = 0;
        for (int i = from + 1; i < to; i++) if ((samples[i - 1] < 0) != (samples[i] < 0)) crossings++;
        return crossings / 2.0 / ((double)(to - from) / rate);
    }

    static void AssertSameTone(short[] decoded, int rate)
    {
        // Length: the input's 3 s within 5 % (encoder delay and the last frame's padding are the difference).
        Assert.InRange((double)decoded.Length / rate, 3 * 0.95, 3 * 1.05);
        Assert.InRange(Frequency(decoded, rate), Hz - 2, Hz + 2);
        // Not silence: the tone's amplitude (8000) survives within a few percent.
        Assert.InRange(decoded.Skip(decoded.Length / 4).Take(decoded.Length / 2).Max(s => (int)s), 7000, 9000);
    }

    [Fact]
    public void Mp3_from_LAME_decodes_with_NLayer_to_the_same_tone_and_length()
    {
        byte[] mp3 = Encode("mp3");
        using var decoder = new MpegFile(new MemoryStream(mp3));
        Assert.Equal(Rate, decoder.SampleRate);
        Assert.Equal(1, decoder.Channels);
        var samples = new List<short>();
        var buffer = new float[4096];
        int n;
        while ((n = decoder.ReadSamples(buffer, 0, buffer.Length)) > 0)
            samples.AddRange(buffer.Take(n).Select(Media.Audio.IO.Pcm16.FromFloat));
        AssertSameTone([.. samples], Rate);
    }

    [Fact]
    public void Mp3_frames_come_out_with_the_first_chunks_not_only_at_the_end()
    {
        using var encoder = Encoders.Create("mp3");
        short[] sine = AudioEncoderTests.Sine(Rate, Hz, Rate);
        // The first 100 ms chunk already yields whole MP3 frames (starting with a frame sync): a stream starts at once.
        byte[] first = encoder.Append(sine.AsSpan(0, Rate / 10), Rate, 1);
        Assert.True(first.Length > 0, "no MP3 bytes after the first 100 ms");
        Assert.Equal(0xFF, first[0]);
        long streamed = first.Length;
        for (int at = Rate / 10; at < sine.Length; at += Rate / 10) streamed += encoder.Append(sine.AsSpan(at, Rate / 10), Rate, 1).Length;
        // Nearly all of the file was sent before the end: the flush holds only the last frames.
        Assert.InRange(encoder.Finish().Length, 0, streamed / 5);
    }

    [Theory]
    [InlineData("aac")]
    [InlineData("flac")]
    [InlineData("mp3")]
    public void Ffmpeg_decodes_each_format_to_the_same_tone_and_length(string format) =>
        AssertSameTone(FfmpegDecoder.Decode(Encode(format), Rate), Rate);

    [Fact]
    public void Aac_is_an_ADTS_stream_and_flac_starts_with_its_marker()
    {
        byte[] aac = Encode("aac");
        Assert.Equal(0xFF, aac[0]);
        Assert.Equal(0xF0, aac[1] & 0xF6); // ADTS sync word, layer 0
        Assert.Equal("fLaC"u8.ToArray(), Encode("flac")[..4]);
    }

    [Fact]
    public void Without_the_packages_only_the_built_in_formats_remain_and_wav_is_the_default()
    {
        var without = AudioEncoders.Without(LameMp3Encoder.Package, FfmpegEncoder.Package);
        Assert.Equal(["opus", "wav", "pcm"], without.Available.Select(f => f.Name));
        Assert.Equal(AudioFormat.Wav, without.DefaultSpeechFormat);
        var error = Assert.Throws<EncoderUnavailableException>(() => without.Create("mp3"));
        Assert.Contains("'libmp3lame0'", error.Message, StringComparison.Ordinal);
        Assert.Equal("audio formats off: mp3 (install libmp3lame0); aac, flac (install ffmpeg)", without.MissingSummary());
        Assert.Equal(AudioFormat.Mp3, Encoders.DefaultSpeechFormat);
    }
}
