using System.Security;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;

namespace Media.Services.Image.Formats;

/// <summary>
/// Writes a generated image (the PNG the image models make) as OpenAI's <c>output_format</c> asks, through
/// ImageSharp's encoders: <c>png</c> (as made), <c>jpeg</c> or <c>webp</c> (lossy) at <c>output_compression</c>
/// 0-100 (the encoder's quality: lower is smaller). JPEG and WebP carry the generation metadata (prompt, seed,
/// model, ...) the way PNG carries it in text chunks: in EXIF (ImageDescription = the prompt, XPComment = key=value
/// lines) and XMP (dc:description = the prompt, one media: property per key).
/// </summary>
public static class ImageOutputEncoder
{
    /// <summary>The formats, as OpenAI names them.</summary>
    public static readonly IReadOnlyList<string> Formats = ["png", "jpeg", "webp"];

    /// <summary>OpenAI's default compression (no loss of quality asked for).</summary>
    public const int DefaultCompression = 100;

    /// <summary>The HTTP content type of <paramref name="format"/>.</summary>
    public static string ContentType(string format) => format switch
    {
        "png" => "image/png",
        "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        _ => throw new ArgumentException($"Unknown image format '{format}'; one of {string.Join(", ", Formats)}.", nameof(format)),
    };

    /// <summary>The file extension of <paramref name="format"/>.</summary>
    public static string Extension(string format) => format == "jpeg" ? "jpg" : format;

    /// <summary>
    /// <paramref name="png"/> in <paramref name="format"/>; a PNG comes back as it is (its text chunks already hold the metadata).
    /// </summary>
    public static byte[] Encode(byte[] png, string format, int compression, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(png);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentOutOfRangeException.ThrowIfNegative(compression);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compression, 100);
        _ = ContentType(format);
        if (format == "png") return png;

        using var image = SixLabors.ImageSharp.Image.Load(png);
        image.Metadata.ExifProfile = Exif(metadata);
        image.Metadata.XmpProfile = new XmpProfile(Xmp(metadata));
        int quality = Math.Max(1, compression); // the encoders' quality runs 1-100
        IImageEncoder encoder = format == "jpeg"
            ? new JpegEncoder { Quality = quality }
            : new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = quality };
        using var output = new MemoryStream();
        image.Save(output, encoder);
        return output.ToArray();
    }

    /// <summary>The PNG's text chunks (how the artifact store wrote the metadata), for a PNG made elsewhere.</summary>
    public static IReadOnlyDictionary<string, string> PngText(byte[] png)
    {
        var info = SixLabors.ImageSharp.Image.Identify(png);
        var text = info?.Metadata.GetPngMetadata().TextData ?? [];
        return text.GroupBy(t => t.Keyword).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
    }

    static ExifProfile Exif(IReadOnlyDictionary<string, string> metadata)
    {
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Software, "Media");
        if (metadata.TryGetValue("prompt", out var prompt)) exif.SetValue(ExifTag.ImageDescription, prompt);
        exif.SetValue(ExifTag.XPComment, string.Join('\n', metadata.Select(kv => $"{kv.Key}={kv.Value}")));
        return exif;
    }

    /// <summary>An XMP packet: dc:description = the prompt, and each key as a media: property.</summary>
    static byte[] Xmp(IReadOnlyDictionary<string, string> metadata)
    {
        var xml = new StringBuilder();
        xml.Append("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>");
        xml.Append("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">");
        xml.Append("<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:media=\"https://github.com/media/ns/1.0/\">");
        if (metadata.TryGetValue("prompt", out var prompt))
            xml.Append("<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">").Append(SecurityElement.Escape(prompt)).Append("</rdf:li></rdf:Alt></dc:description>");
        foreach (var (key, value) in metadata)
        {
            if (!key.All(char.IsAsciiLetterOrDigit)) continue; // XML names only
            xml.Append("<media:").Append(key).Append('>').Append(SecurityElement.Escape(value)).Append("</media:").Append(key).Append('>');
        }
        xml.Append("</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }
}
