using System.Runtime.InteropServices;

namespace Media.Audio.Formats;

/// <summary>
/// MP3 through LAME (Debian's <c>libmp3lame0</c>, called in-process): constant bitrate, joint stereo or
/// mono, at the input's rate when MPEG has it (LAME resamples otherwise). Every piece goes through
/// <c>lame_encode_buffer_interleaved</c> and what LAME has finished is sent at once, so streamed MP3
/// starts with the first chunk. No Xing/LAME tag frame is written: it can only be filled in at the end,
/// and a stream has no going back.
/// </summary>
public sealed partial class LameMp3Encoder : AudioEncoder
{
    /// <summary>The Debian package with libmp3lame.so.0.</summary>
    public const string Package = "libmp3lame0";

    /// <summary>Bits per second per channel: 64 kbps mono, as speech services commonly send.</summary>
    public const int KilobitsPerChannel = 64;

    const string Library = "libmp3lame.so.0";

    nint lame;
    int channels;
    byte[] buffer = [];

    static readonly Lazy<bool> Installed = new(() =>
    {
        if (!NativeLibrary.TryLoad(Library, typeof(LameMp3Encoder).Assembly, null, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    });

    /// <summary>Whether libmp3lame can be loaded here.</summary>
    public static bool IsInstalled => Installed.Value;

    public override AudioFormat Format => AudioFormat.Mp3;

    protected override void Begin(int sampleRate, int channels)
    {
        if (channels > 2) throw new ArgumentException($"MP3 carries mono or stereo; got {channels} channels.", nameof(channels));
        if (!IsInstalled) throw new EncoderUnavailableException(AudioFormat.Mp3);
        this.channels = channels;
        lame = lame_init();
        if (lame == 0) throw new InvalidOperationException("lame_init failed.");
        Check(lame_set_in_samplerate(lame, sampleRate), "lame_set_in_samplerate");
        Check(lame_set_num_channels(lame, channels), "lame_set_num_channels");
        Check(lame_set_mode(lame, channels == 1 ? 3 : 1), "lame_set_mode"); // MONO = 3, JOINT_STEREO = 1
        Check(lame_set_brate(lame, KilobitsPerChannel * channels), "lame_set_brate");
        Check(lame_set_quality(lame, 5), "lame_set_quality"); // LAME's default speed/quality trade-off
        Check(lame_set_bWriteVbrTag(lame, 0), "lame_set_bWriteVbrTag");
        Check(lame_init_params(lame), "lame_init_params");
    }

    protected override byte[] Encode(ReadOnlySpan<short> interleaved)
    {
        int frames = interleaved.Length / channels;
        if (frames == 0) return [];
        EnsureBuffer(frames);
        // Mono goes through the plain call with both channel pointers on the same samples (LAME reads only the left).
        int written = channels == 1
            ? lame_encode_buffer(lame, interleaved, interleaved, frames, buffer.AsSpan(), buffer.Length)
            : lame_encode_buffer_interleaved(lame, interleaved, frames, buffer.AsSpan(), buffer.Length);
        Check(written, "lame_encode_buffer");
        return buffer.AsSpan(0, written).ToArray();
    }

    protected override byte[] Drain()
    {
        EnsureBuffer(0);
        int written = lame_encode_flush(lame, buffer.AsSpan(), buffer.Length);
        Check(written, "lame_encode_flush");
        return buffer.AsSpan(0, written).ToArray();
    }

    // LAME's documented worst case: 1.25 x samples + 7200 bytes.
    void EnsureBuffer(int frames)
    {
        int needed = frames + frames / 4 + 7200;
        if (buffer.Length < needed) buffer = new byte[needed];
    }

    static void Check(int result, string call)
    {
        if (result < 0) throw new InvalidOperationException($"{call} failed with LAME error {result}.");
    }

    protected override void Dispose(bool disposing)
    {
        if (lame != 0)
        {
            _ = lame_close(lame); // nothing to do about a failure while letting go
            lame = 0;
        }
        base.Dispose(disposing);
    }

    ~LameMp3Encoder() => Dispose(disposing: false);

    [LibraryImport(Library)] private static partial nint lame_init();
    [LibraryImport(Library)] private static partial int lame_set_in_samplerate(nint gfp, int rate);
    [LibraryImport(Library)] private static partial int lame_set_num_channels(nint gfp, int channels);
    [LibraryImport(Library)] private static partial int lame_set_mode(nint gfp, int mode);
    [LibraryImport(Library)] private static partial int lame_set_brate(nint gfp, int kbps);
    [LibraryImport(Library)] private static partial int lame_set_quality(nint gfp, int quality);
    [LibraryImport(Library)] private static partial int lame_set_bWriteVbrTag(nint gfp, int write);
    [LibraryImport(Library)] private static partial int lame_init_params(nint gfp);
    [LibraryImport(Library)]
    private static partial int lame_encode_buffer(nint gfp, ReadOnlySpan<short> left, ReadOnlySpan<short> right, int samples, Span<byte> mp3, int size);
    [LibraryImport(Library)]
    private static partial int lame_encode_buffer_interleaved(nint gfp, ReadOnlySpan<short> pcm, int samplesPerChannel, Span<byte> mp3, int size);
    [LibraryImport(Library)] private static partial int lame_encode_flush(nint gfp, Span<byte> mp3, int size);
    [LibraryImport(Library)] private static partial int lame_close(nint gfp);
}
