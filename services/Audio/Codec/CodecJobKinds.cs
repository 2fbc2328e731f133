using Media.Hosting.Jobs;

namespace Media.Services.Audio.Codec;

/// <summary>The codec's job kinds: <c>audio-encode</c> (WAV to codes) and <c>audio-decode</c> (codes to streamed audio).</summary>
public static class CodecJobKinds
{
    public const string Encode = "audio-encode";
    public const string Decode = "audio-decode";

    /// <summary>
    /// Most code frames (columns) one decode job takes: 45,000 frames is 10 minutes at the 75 frames/s of a 24 kHz
    /// EnCodec-style codec. Decoding runs in bounded chunks, so the limit bounds the job's time, not its memory.
    /// </summary>
    public const int MaxDecodeFrames = 45_000;

    /// <summary>Most codebooks (rows) a decode job may give.</summary>
    public const int MaxCodebooks = 32;

    public static JobKind EncodeDefinition { get; } = new(Encode, "audio to codec tokens", [
        new("audio", FieldType.Base64, true, 1, 8 << 20, "a WAV file, base64"),
        new("bandwidth_kbps", FieldType.Number, false, 0.5, 48, "target bitrate (number of codebooks used)"),
    ]);

    public static JobKind DecodeDefinition { get; } = new(Decode, "codec tokens to audio, streamed as it is decoded", [
        new("codes", FieldType.WholeNumberMatrix, true, 0, 65535,
            $"codec tokens, one row per codebook (at most {MaxCodebooks}), at most {MaxDecodeFrames} frames per row (10 minutes at 75 frames/s)",
            MaxRows: MaxCodebooks, MaxColumns: MaxDecodeFrames),
    ]);
}
