namespace Media.Audio.Formats;

/// <summary>
/// An output format: its name (as OpenAI's <c>response_format</c> spells it), HTTP content type, file
/// extension, the library that encodes it, and the Debian package that library comes from (null when it
/// is part of this build).
/// </summary>
public sealed record AudioFormat(string Name, string ContentType, string Extension, string Library, string? Package)
{
    public static readonly AudioFormat Wav = new("wav", "audio/wav", "wav", "built in", null);
    public static readonly AudioFormat Pcm = new("pcm", "audio/pcm", "pcm", "built in", null);
    public static readonly AudioFormat Opus = new("opus", "audio/ogg", "opus", "Concentus (Ogg pages built in)", null);
    public static readonly AudioFormat Mp3 = new("mp3", "audio/mpeg", "mp3", "libmp3lame (LAME)", LameMp3Encoder.Package);
    public static readonly AudioFormat Aac = new("aac", "audio/aac", "aac", "ffmpeg's native AAC encoder (ADTS)", FfmpegEncoder.Package);
    public static readonly AudioFormat Flac = new("flac", "audio/flac", "flac", "ffmpeg's FLAC encoder", FfmpegEncoder.Package);

    /// <summary>Every format, in the order OpenAI lists them first where it has them.</summary>
    public static IReadOnlyList<AudioFormat> All { get; } = [Mp3, Opus, Aac, Flac, Wav, Pcm];

    /// <summary>The format named <paramref name="name"/>, or null.</summary>
    public static AudioFormat? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}
