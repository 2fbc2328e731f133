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

    readonly OggPageWriter pages = new((uint)Random.Shared.Next());
    IOpusEncoder? encoder;
    StreamingResampler? resampler;
    int inputRate;
    int codecRate;
    int channels;
    int frameSize;
    int preSkip48;
    long inputFrames;
    long packetsWritten;
    bool headersWritten;
    readonly List<short> pending = [];

    public override AudioFormat Format => AudioFormat.Opus;

    protected override void Begin(int sampleRate, int channels)
    {
        if (channels > 2) throw new ArgumentException($"Ogg Opus here carries mono or stereo; got {channels} channels.", nameof(channels));
        inputRate = sampleRate;
        this.channels = channels;
        codecRate = OpusRates.FirstOrDefault(r => r >= sampleRate, 48000);
        resampler = new StreamingResampler(channels, sampleRate, codecRate);
        frameSize = codecRate * FrameMilliseconds / 1000;
        encoder = OpusCodecFactory.CreateEncoder(codecRate, channels, OpusApplication.OPUS_APPLICATION_AUDIO);
        encoder.Bitrate = BitsPerSecondPerChannel * channels;
        preSkip48 = encoder.Lookahead * (48000 / codecRate);
    }

    protected override byte[] Encode(ReadOnlySpan<short> interleaved)
    {
        using var output = new MemoryStream();
        if (!headersWritten) WriteHeaders(output);
        inputFrames += interleaved.Length / channels;
        pending.AddRange(resampler!.Process(interleaved));
        EncodeWholeFrames(output, last: false);
        return output.ToArray();
    }

    protected override byte[] Drain()
    {
        using var output = new MemoryStream();
        pending.AddRange(resampler!.Flush());
        // Pad with the encoder's lookahead and up to a whole frame, so every input sample is coded.
        int padded = pending.Count / channels + encoder!.Lookahead;
        int frames = (padded + frameSize - 1) / frameSize;
        pending.AddRange(new short[(frames * frameSize - pending.Count / channels) * channels]);
        EncodeWholeFrames(output, last: true);
        return output.ToArray();
    }

    void WriteHeaders(Stream output)
    {
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1; // version
        head[9] = (byte)channels;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), (ushort)preSkip48);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), (uint)inputRate);
        // output gain 0, channel mapping family 0 (mono or stereo)
        pages.Add(head);
        output.Write(pages.Page(0));

        byte[] vendor = Encoding.UTF8.GetBytes("Media (Concentus " + typeof(OpusCodecFactory).Assembly.GetName().Version + ")");
        var tags = new byte[8 + 4 + vendor.Length + 4];
        "OpusTags"u8.CopyTo(tags);
        BinaryPrimitives.WriteUInt32LittleEndian(tags.AsSpan(8), (uint)vendor.Length);
        vendor.CopyTo(tags, 12);
        // no user comments
        pages.Add(tags);
        output.Write(pages.Page(0));
        headersWritten = true;
    }

    void EncodeWholeFrames(Stream output, bool last)
    {
        var buffer = new byte[MaxPacketBytes];
        int frameSamples = frameSize * channels;
        int consumed = 0;
        bool queued = false;
        while (pending.Count - consumed >= frameSamples)
        {
            var frame = pending.GetRange(consumed, frameSamples).ToArray();
            consumed += frameSamples;
            int length = encoder!.Encode(frame, frameSize, buffer, buffer.Length);
            if (!pages.Fits(length))
            {
                output.Write(pages.Page(Granule(packetsWritten)));
            }
            pages.Add(buffer.AsSpan(0, length).ToArray());
            packetsWritten++;
            queued = true;
        }
        pending.RemoveRange(0, consumed);
        if (last)
        {
            // The end trims the padding: the preskip plus exactly the input's length, in 48 kHz samples.
            long end = preSkip48 + (inputFrames * 48000 + inputRate / 2) / inputRate;
            output.Write(pages.Page(Math.Min(end, Granule(packetsWritten)), last: true));
        }
        else if (queued)
        {
            output.Write(pages.Page(Granule(packetsWritten)));
        }
    }

    /// <summary>48 kHz samples decoded through the end of packet <paramref name="packets"/> (counting the preskip).</summary>
    long Granule(long packets) => packets * frameSize * (48000 / codecRate);

    protected override void Dispose(bool disposing)
    {
        if (disposing) encoder?.Dispose();
        base.Dispose(disposing);
    }
}
