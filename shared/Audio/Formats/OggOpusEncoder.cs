using System.Buffers.Binary;
using System.Text;
using Concentus;
using Concentus.Enums;

namespace Media.Audio.Formats;

/// <summary>
/// Ogg Opus (RFC 7845) written as the audio arrives: the OpusHead and OpusTags pages first, then one
/// page of 20 ms Opus packets (Concentus) per piece of audio. Audio is coded at the lowest Opus rate
/// that holds the input's (resampled to it when the input's rate is not an Opus rate); granule positions
/// count 48 kHz samples from the start including the encoder's pre-skip, and the last page's granule
/// trims the padding, so a player gives back exactly the input's length.
/// </summary>
public sealed class OggOpusEncoder : AudioEncoder
{
    static readonly int[] OpusRates = [8000, 12000, 16000, 24000, 48000];
    const int FrameMilliseconds = 20;
    const int BitsPerSecondPerChannel = 32000;
    const int MaxPacketBytes = 4000;

    readonly OggPageWriter _pages = new((uint)Random.Shared.Next());
    IOpusEncoder? _encoder;
    StreamingResampler? _resampler;
    int _inputRate;
    int _codecRate;
    int _channels;
    int _frameSize;
    int _preSkip48;
    long _inputFrames;
    long _packetsWritten;
    bool _headersWritten;
    readonly List<short> _pending = [];

    public override AudioFormat Format => AudioFormat.Opus;

    protected override void Begin(int sampleRate, int channels)
    {
        if (channels > 2) throw new ArgumentException($"Ogg Opus here carries mono or stereo; got {channels} channels.", nameof(channels));
        _inputRate = sampleRate;
        _channels = channels;
        _codecRate = OpusRates.FirstOrDefault(r => r >= sampleRate, 48000);
        _resampler = new StreamingResampler(channels, sampleRate, _codecRate);
        _frameSize = _codecRate * FrameMilliseconds / 1000;
        _encoder = OpusCodecFactory.CreateEncoder(_codecRate, channels, OpusApplication.OPUS_APPLICATION_AUDIO);
        _encoder.Bitrate = BitsPerSecondPerChannel * channels;
        _preSkip48 = _encoder.Lookahead * (48000 / _codecRate);
    }

    protected override byte[] Encode(ReadOnlySpan<short> interleaved)
    {
        using var output = new MemoryStream();
        if (!_headersWritten) WriteHeaders(output);
        _inputFrames += interleaved.Length / _channels;
        _pending.AddRange(_resampler!.Process(interleaved));
        EncodeWholeFrames(output, last: false);
        return output.ToArray();
    }

    protected override byte[] Drain()
    {
        using var output = new MemoryStream();
        _pending.AddRange(_resampler!.Flush());
        // Pad with the encoder's lookahead and up to a whole frame, so every input sample is coded.
        int padded = _pending.Count / _channels + _encoder!.Lookahead;
        int frames = (padded + _frameSize - 1) / _frameSize;
        _pending.AddRange(new short[(frames * _frameSize - _pending.Count / _channels) * _channels]);
        EncodeWholeFrames(output, last: true);
        return output.ToArray();
    }

    void WriteHeaders(Stream output)
    {
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1; // version
        head[9] = (byte)_channels;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), (ushort)_preSkip48);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), (uint)_inputRate);
        // output gain 0, channel mapping family 0 (mono or stereo)
        _pages.Add(head);
        output.Write(_pages.Page(0));

        byte[] vendor = Encoding.UTF8.GetBytes("Media (Concentus " + typeof(OpusCodecFactory).Assembly.GetName().Version + ")");
        var tags = new byte[8 + 4 + vendor.Length + 4];
        "OpusTags"u8.CopyTo(tags);
        BinaryPrimitives.WriteUInt32LittleEndian(tags.AsSpan(8), (uint)vendor.Length);
        vendor.CopyTo(tags, 12);
        // no user comments
        _pages.Add(tags);
        output.Write(_pages.Page(0));
        _headersWritten = true;
    }

    void EncodeWholeFrames(Stream output, bool last)
    {
        var buffer = new byte[MaxPacketBytes];
        int frameSamples = _frameSize * _channels;
        int consumed = 0;
        bool queued = false;
        while (_pending.Count - consumed >= frameSamples)
        {
            var frame = _pending.GetRange(consumed, frameSamples).ToArray();
            consumed += frameSamples;
            int length = _encoder!.Encode(frame, _frameSize, buffer, buffer.Length);
            if (!_pages.Fits(length))
            {
                output.Write(_pages.Page(Granule(_packetsWritten)));
            }
            _pages.Add(buffer.AsSpan(0, length).ToArray());
            _packetsWritten++;
            queued = true;
        }
        _pending.RemoveRange(0, consumed);
        if (last)
        {
            // The end trims the padding: the preskip plus exactly the input's length, in 48 kHz samples.
            long end = _preSkip48 + (_inputFrames * 48000 + _inputRate / 2) / _inputRate;
            output.Write(_pages.Page(Math.Min(end, Granule(_packetsWritten)), last: true));
        }
        else if (queued)
        {
            output.Write(_pages.Page(Granule(_packetsWritten)));
        }
    }

    /// <summary>48 kHz samples decoded through the end of packet <paramref name="packets"/> (counting the preskip).</summary>
    long Granule(long packets) => packets * _frameSize * (48000 / _codecRate);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _encoder?.Dispose();
        base.Dispose(disposing);
    }
}
