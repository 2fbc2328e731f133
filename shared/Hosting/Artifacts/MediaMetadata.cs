using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Media.Hosting.Artifacts;

/// <summary>
/// Writes how an artifact was made (model, seed, parameters) into the file itself where the format
/// has a place for text: PNG tEXt/iTXt chunks, WAV LIST/INFO chunks. Other content is returned as it is.
/// </summary>
public static class MediaMetadata
{
    static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Embed(byte[] content, string contentType, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Count == 0) return content;
        return contentType switch
        {
            "image/png" => EmbedPng(content, metadata),
            "audio/wav" or "audio/wave" or "audio/x-wav" => EmbedWav(content, metadata),
            _ => content,
        };
    }

    /// <summary>One text chunk per key, right after IHDR; Latin-1 text as tEXt, anything else as UTF-8 iTXt.</summary>
    public static byte[] EmbedPng(byte[] png, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(png);
        ArgumentNullException.ThrowIfNull(metadata);
        if (png.Length < 33 || !png.AsSpan(0, 8).SequenceEqual(PngSignature) || !png.AsSpan(12, 4).SequenceEqual("IHDR"u8))
            throw new ArgumentException("Not a PNG file (signature and IHDR expected).", nameof(png));
        int ihdrEnd = 8 + 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8, 4));
        using var output = new MemoryStream(png.Length + 256);
        output.Write(png, 0, ihdrEnd);
        foreach (var (key, value) in metadata)
        {
            if (key.Length is < 1 or > 79 || !IsLatin1(key) || key.Contains('\0', StringComparison.Ordinal))
                throw new ArgumentException($"PNG text keyword '{key}' must be 1-79 Latin-1 characters.", nameof(metadata));
            byte[] keyword = Encoding.Latin1.GetBytes(key);
            if (IsLatin1(value))
                WriteChunk(output, "tEXt"u8, [.. keyword, 0, .. Encoding.Latin1.GetBytes(value)]);
            else // keyword, no compression, empty language tag and translated keyword, UTF-8 text
                WriteChunk(output, "iTXt"u8, [.. keyword, 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(value)]);
        }
        output.Write(png, ihdrEnd, png.Length - ihdrEnd);
        return output.ToArray();
    }

    /// <summary>A LIST/INFO chunk at the end (ISFT software, ICMT comment = the metadata as key=value lines), RIFF size updated.</summary>
    public static byte[] EmbedWav(byte[] wav, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(wav);
        ArgumentNullException.ThrowIfNull(metadata);
        if (wav.Length < 12 || !wav.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !wav.AsSpan(8, 4).SequenceEqual("WAVE"u8))
            throw new ArgumentException("Not a WAV file (RIFF/WAVE header expected).", nameof(wav));
        using var info = new MemoryStream();
        info.Write("INFO"u8);
        WriteInfo(info, "ISFT"u8, "Media");
        WriteInfo(info, "ICMT"u8, string.Join('\n', metadata.Select(kv => $"{kv.Key}={kv.Value}")));

        using var output = new MemoryStream(wav.Length + (int)info.Length + 16);
        output.Write(wav);
        if (wav.Length % 2 == 1) output.WriteByte(0); // RIFF chunks start on even offsets
        Span<byte> header = stackalloc byte[8];
        "LIST"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], (int)info.Length);
        output.Write(header);
        info.Position = 0;
        info.CopyTo(output);
        byte[] result = output.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(4, 4), result.Length - 8);
        return result;
    }

    static void WriteInfo(Stream stream, ReadOnlySpan<byte> id, string text)
    {
        byte[] value = [.. Encoding.UTF8.GetBytes(text), 0];
        Span<byte> header = stackalloc byte[8];
        id.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], value.Length);
        stream.Write(header);
        stream.Write(value);
        if (value.Length % 2 == 1) stream.WriteByte(0);
    }

    static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        stream.Write(type);
        stream.Write(data);
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(checksum, crc.GetCurrentHashAsUInt32());
        stream.Write(checksum);
    }

    static bool IsLatin1(string text) => text.All(c => c <= '\u00FF');
}
