using Media.Audio.IO;

namespace Media.Audio.Formats;

/// <summary>
/// Raw 16-bit little-endian PCM at 24 kHz, as OpenAI defines its <c>pcm</c> format (clients play it at
/// that rate), resampled from the model's rate while it streams.
/// </summary>
public sealed class PcmStreamEncoder : AudioEncoder
{
    public const int SampleRate = 24000;

    StreamingResampler? resampler;

    public override AudioFormat Format => AudioFormat.Pcm;

    protected override void Begin(int sampleRate, int channels) => resampler = new StreamingResampler(channels, sampleRate, SampleRate);

    protected override byte[] Encode(ReadOnlySpan<short> interleaved) => Pcm16.ToBytes(resampler!.Process(interleaved));

    protected override byte[] Drain() => Pcm16.ToBytes(resampler!.Flush());
}
