using System.Buffers.Binary;
using Media.Audio.IO;
using Media.Audio.Tests.Formats;
using NLayer;
using OpenAI.Audio;

namespace Media.OpenAiSdk.Tests;

/// <summary>
/// Speech through the official OpenAI .NET SDK's AudioClient, on the tone voice (3 s of 440 Hz at 24 kHz):
/// the default is MP3, and every format decodes back (MP3 with NLayer, the rest with ffmpeg) to the WAV's
/// length within 5 %.
/// </summary>
public sealed class SpeechTests(SdkGateway gateway) : IClassFixture<SdkGateway>
{
    AudioClient Voice => gateway.Client.GetAudioClient(SdkGateway.ToneVoice);

    static double WavSeconds => SdkGateway.ToneSeconds;

    static short[] DecodeMp3(byte[] mp3)
    {
        using var decoder = new MpegFile(new MemoryStream(mp3));
        var samples = new List<short>();
        var buffer = new float[4096];
        int n;
        while ((n = decoder.ReadSamples(buffer, 0, buffer.Length)) > 0) samples.AddRange(buffer.Take(n).Select(Pcm16.FromFloat));
        Assert.Equal(SdkGateway.ToneRate, decoder.SampleRate);
        return [.. samples];
    }

    static void AssertTone(short[] samples, int rate)
    {
        Assert.InRange(samples.Length / (double)rate, WavSeconds * 0.95, WavSeconds * 1.05);
        int from = samples.Length / 4, to = 3 * samples.Length / 4, crossings = 0;
        for (int i = from + 1; i < to; i++) if ((samples[i - 1] < 0) != (samples[i] < 0)) crossings++;
        Assert.InRange(crossings / 2.0 / ((double)(to - from) / rate), 435, 445);
    }

    [Fact]
    public async Task Without_a_format_speech_is_mp3_as_OpenAIs()
    {
        BinaryData speech = await Voice.GenerateSpeechAsync("Hello there.", GeneratedSpeechVoice.Alloy);
        AssertTone(DecodeMp3(speech.ToArray()), SdkGateway.ToneRate);
    }

    public static TheoryData<string> Formats => ["mp3", "aac", "flac", "opus", "wav", "pcm"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Every_format_decodes_back_to_the_wavs_length(string format)
    {
        BinaryData speech = await Voice.GenerateSpeechAsync("Hello there.", GeneratedSpeechVoice.Alloy,
            new SpeechGenerationOptions { ResponseFormat = new GeneratedSpeechFormat(format) });
        byte[] bytes = speech.ToArray();
        short[] samples = format switch
        {
            // OpenAI's pcm: raw 16-bit little-endian at 24 kHz.
            "pcm" => [.. Enumerable.Range(0, bytes.Length / 2).Select(i => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i)))],
            "mp3" => DecodeMp3(bytes),
            _ => FfmpegDecoder.Decode(bytes, SdkGateway.ToneRate),
        };
        AssertTone(samples, SdkGateway.ToneRate);
        if (format == "mp3") AssertTone(FfmpegDecoder.Decode(bytes, SdkGateway.ToneRate), SdkGateway.ToneRate);
    }

    [Fact]
    public async Task Streamed_speech_arrives_as_mp3_deltas_that_join_into_valid_mp3()
    {
        var deltas = new List<byte[]>();
        bool done = false;
        await using var stream = await Voice.GenerateSpeechStreamingAsync("Hello there.", GeneratedSpeechVoice.Alloy,
            new SpeechGenerationOptions { ResponseFormat = GeneratedSpeechFormat.Mp3 });
        await foreach (StreamingSpeechUpdate update in stream)
        {
            if (update is StreamingSpeechAudioDeltaUpdate delta) deltas.Add(delta.AudioBytes.ToArray());
            if (update is StreamingSpeechAudioDoneUpdate) done = true;
        }
        Assert.True(done);
        // The tone comes in 30 chunks of 100 ms, each encoded as it arrives: many deltas, not one file at the end.
        Assert.True(deltas.Count >= 10, $"{deltas.Count} deltas");
        AssertTone(DecodeMp3([.. deltas.SelectMany(d => d)]), SdkGateway.ToneRate);
    }
}
