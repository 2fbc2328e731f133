using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;
using RgbImage = Media.Services.Image.Data.RgbImage;

namespace Media.Services.Image.Formats;

/// <summary>
/// Reads an uploaded reference image (D-AR's layout control; MagicMix's layout image): PNG, JPEG or WebP only, at most
/// <see cref="MaxBytes"/> bytes and <see cref="MaxPixels"/> pixels — the size is read from the header before any pixel is
/// decoded, so a small file that would inflate to gigabytes is refused — then fitted to the model's square (<see cref="Fit"/>).
/// Uploads are decoded by Skia (libpng, libjpeg-turbo, libwebp: the decoders browsers run on untrusted images, fuzzed
/// continuously upstream), not ImageSharp 2: fuzzing found a 239-byte PNG on which ImageSharp 2.1's decoder never returns
/// (docs/SECURITY.md, finding 8). Every refusal is an <see cref="ArgumentException"/> naming the field, which the API answers with 400.
/// </summary>
public static class ImageUpload
{
    /// <summary>Largest upload accepted, in bytes.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Largest image accepted, in pixels (width x height).</summary>
    public const long MaxPixels = 4096L * 4096;

    /// <summary>The formats read.</summary>
    public static readonly IReadOnlyList<string> Formats = ["png", "jpeg", "webp"];

    // Only these three: a GIF, BMP, ICO, HEIF or raw upload is refused rather than read.
    static readonly HashSet<SKEncodedImageFormat> Accepted = [SKEncodedImageFormat.Png, SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Webp];

    /// <summary>
    /// Decodes <paramref name="bytes"/> to RGB (alpha dropped, pixels as stored), or throws an <see cref="ArgumentException"/>
    /// naming <paramref name="field"/>; a caller may tighten the limits (<paramref name="maxBytes"/>, <paramref name="maxPixels"/>)
    /// but not loosen them.
    /// </summary>
    public static RgbImage Read(ReadOnlySpan<byte> bytes, string field, int maxBytes = MaxBytes, long maxPixels = MaxPixels)
    {
        maxBytes = Math.Min(maxBytes, MaxBytes);
        maxPixels = Math.Min(maxPixels, MaxPixels);
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (bytes.IsEmpty) throw new ArgumentException($"{field}: the image is empty.");
        if (bytes.Length > maxBytes) throw new ArgumentException($"{field}: the image is {bytes.Length:N0} bytes; at most {maxBytes:N0} are accepted.");
        using var data = SKData.CreateCopy(bytes);
        // The codec owns the stream (Skia deletes it with the codec, or at once when the header is refused).
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var opened);
        if (codec is null || !Accepted.Contains(codec.EncodedFormat))
            throw new ArgumentException($"{field}: not a PNG, JPEG or WebP image{(codec is null ? $" ({Describe(opened)})" : "")}.");
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0) throw new ArgumentException($"{field}: the image has no pixels ({width}x{height}).");
        if ((long)width * height > maxPixels)
            throw new ArgumentException($"{field}: the image is {width}x{height}; at most {maxPixels:N0} pixels are accepted.");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var decoded = codec.GetPixels(info, out byte[] rgba);
        // A cut or corrupt file is refused whole rather than served with Skia's zero-filled remainder.
        if (decoded != SKCodecResult.Success) throw new ArgumentException($"{field}: the image cannot be decoded ({Describe(decoded)}).");
        var pixels = new byte[width * height * 3];
        for (int i = 0, o = 0; o < pixels.Length; i += 4, o += 3)
            (pixels[o], pixels[o + 1], pixels[o + 2]) = (rgba[i], rgba[i + 1], rgba[i + 2]);
        return new RgbImage(width, height, pixels);
    }

    static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "the file is cut short or corrupt",
        SKCodecResult.Unimplemented => "an encoding this reader does not support",
        SKCodecResult.InvalidInput => "not an image",
        _ => result.ToString(),
    };

    /// <summary>The centre square of <paramref name="image"/> resized (bicubic) to <paramref name="size"/> x <paramref name="size"/>.</summary>
    public static RgbImage Fit(RgbImage image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (image.Width == size && image.Height == size) return image;
        using var loaded = SixLabors.ImageSharp.Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        int side = Math.Min(image.Width, image.Height);
        loaded.Mutate(x => x.Crop(new Rectangle((image.Width - side) / 2, (image.Height - side) / 2, side, side)).Resize(size, size, KnownResamplers.Bicubic));
        var pixels = new byte[size * size * 3];
        loaded.CopyPixelDataTo(pixels);
        return new RgbImage(size, size, pixels);
    }
}
