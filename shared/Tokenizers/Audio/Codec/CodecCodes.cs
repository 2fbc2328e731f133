using System.Text.Json;
using System.Text.Json.Serialization;

namespace Media.Tokenizers.Audio.Codec;

/// <summary>
/// The codes of one mono or multi-channel clip as written to <c>codes.json</c>: one row of frame codes
/// per codebook (the same matrix the audio-decode job takes), and what decoding needs to check them
/// against the codec (sampling rate, frame rate, codebook size) and to trim the audio (samples).
/// </summary>
public sealed record CodecCodes
{
    /// <summary>The file format's name and version.</summary>
    public const string FormatName = "media-codec-codes/1";

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;

    /// <summary>Samples per second of the audio the codes describe.</summary>
    [JsonPropertyName("sample_rate")] public required int SampleRate { get; init; }

    /// <summary>Audio channels (the codec's).</summary>
    [JsonPropertyName("channels")] public int Channels { get; init; } = 1;

    /// <summary>Samples per channel of the encoded audio (the decoder's output is trimmed to it).</summary>
    [JsonPropertyName("samples")] public required long Samples { get; init; }

    /// <summary>Frames per second.</summary>
    [JsonPropertyName("frame_rate")] public required int FrameRate { get; init; }

    /// <summary>Entries per codebook.</summary>
    [JsonPropertyName("codebook_size")] public required int CodebookSize { get; init; }

    /// <summary>The bandwidth the codes were made for, kbps (codebooks x log2(size) x frame rate).</summary>
    [JsonPropertyName("bandwidth_kbps")] public required double BandwidthKbps { get; init; }

    /// <summary>Codes [codebook][frame].</summary>
    [JsonPropertyName("codes")] public required IReadOnlyList<IReadOnlyList<int>> Codes { get; init; }

    /// <summary>Codebooks used.</summary>
    [JsonIgnore] public int Codebooks => Codes.Count;

    /// <summary>Frames per codebook.</summary>
    [JsonIgnore] public int Frames => Codes.Count == 0 ? 0 : Codes[0].Count;

    /// <summary>Writes the JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads and checks the shape of <c>codes.json</c> text; <paramref name="source"/> names it in errors.</summary>
    public static CodecCodes Parse(string json, string source = "codes")
    {
        ArgumentNullException.ThrowIfNull(json);
        CodecCodes? codes;
        try
        {
            codes = JsonSerializer.Deserialize<CodecCodes>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a {FormatName} file ({e.Message}).", e);
        }
        if (codes is null) throw new InvalidDataException($"{source}: the file holds JSON null, not codes.");
        if (codes.Format != FormatName) throw new InvalidDataException($"{source}: format '{codes.Format}' is not {FormatName}.");
        // "codes": null deserializes (required means present, not non-null): fuzz finding 3, docs/SECURITY.md.
        if (codes.Codes is null || codes.Codes.Count == 0 || codes.Codes.Any(r => r is null || r.Count == 0 || r.Count != codes.Codes[0].Count))
            throw new InvalidDataException($"{source}: 'codes' must be a non-empty list of equally long, non-empty rows (one per codebook).");
        if (codes.SampleRate <= 0 || codes.FrameRate <= 0 || codes.CodebookSize < 2 || codes.Samples < 1 || codes.Channels < 1)
            throw new InvalidDataException($"{source}: sample_rate, frame_rate, samples and channels must be positive and codebook_size at least 2.");
        return codes;
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}
