namespace Media.Gateway.Apis.OpenAi.Audio;

/// <summary>
/// Raw 16-bit little-endian PCM at 24 kHz, as OpenAI defines its <c>pcm</c> format (clients play it at
/// that rate), resampled from the model's rate while it streams.
/// </summary>
internal sealed class PcmStreamEncoder : SpeechEncoder
{
    public const int SampleRate = 24000;

    StreamingResampler? _resampler;

    public override string ContentType => "audio/pcm";

    protected override void Begin(int sampleRate, int channels) => _resampler = new StreamingResampler(channels, sampleRate, SampleRate);

    protected override byte[] Encode(ReadOnlySpan<short> interleaved) => Bytes(_resampler!.Process(interleaved));

    protected override byte[] End() => Bytes(_resampler!.Flush());

    public override void Dispose()
    {
        _resampler?.Dispose();
        base.Dispose();
    }
}
