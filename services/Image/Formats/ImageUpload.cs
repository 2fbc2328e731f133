using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using RgbImage = Media.Services.Image.Data.RgbImage;

namespace Media.Services.Image.Formats;

/// <summary>
/// Reads an uploaded reference image (D-AR's layout control; MagicMix's layout image) through ImageSharp: PNG, JPEG or WebP
/// only, at most <see cref="MaxBytes"/> bytes and <see cref="MaxPixels"/> pixels — the size is read from the header before
/// any pixel is decoded, so a small file that would inflate to gigabytes is refused — then fitted to the model's square
/// (<see cref="Fit"/>). Every refusal is an <see cref="ArgumentException"/> naming the field, which the API answers with 400.
/// </summary>
public static class ImageUpload
{
    /// <summary>Largest upload accepted, in bytes.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Largest image accepted, in pixels (width x height).</summary>
    public const long MaxPixels = 4096L * 4096;

    /// <summary>The formats read.</summary>
    public static readonly IReadOnlyList<string> Formats = ["png", "jpeg", "webp"];

    // Only these three decoders: a GIF, BMP or TIFF upload is refused rather than read.
    static readonly Configuration Decoding = new(new PngConfigurationModule(), new JpegConfigurationModule(), new WebpConfigurationModule());

    /// <summary>
    /// Decodes <paramref name="bytes"/> to RGB, or throws an <see cref="ArgumentException"/> naming <paramref name="field"/>; a caller
    /// may tighten the limits (<paramref name="maxBytes"/>, <paramref name="maxPixels"/>) but not loosen them.
    /// </summary>
    public static RgbImage Read(ReadOnlySpan<byte> bytes, string field, int maxBytes = MaxBytes, long maxPixels = MaxPixels)
    {
        maxBytes = Math.Min(maxBytes, MaxBytes);
        maxPixels = Math.Min(maxPixels, MaxPixels);
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (bytes.IsEmpty) throw new ArgumentException($"{field}: the image is empty.");
        if (bytes.Length > maxBytes) throw new ArgumentException($"{field}: the image is {bytes.Length:N0} bytes; at most {maxBytes:N0} are accepted.");
        // ImageSharp 2's Identify takes an array; the copy is bounded by the byte limit above.
        var data = bytes.ToArray();
        IImageInfo? info;
        try
        {
            info = SixLabors.ImageSharp.Image.Identify(Decoding, data, out _);
        }
        catch (Exception e) when (IsDecodingFailure(e))
        {
            throw new ArgumentException($"{field}: not a PNG, JPEG or WebP image ({e.Message}).", e);
        }
        if (info is null) throw new ArgumentException($"{field}: not a PNG, JPEG or WebP image.");
        if ((long)info.Width * info.Height > maxPixels)
            throw new ArgumentException($"{field}: the image is {info.Width}x{info.Height}; at most {maxPixels:N0} pixels are accepted.");
        try
        {
            using var image = SixLabors.ImageSharp.Image.Load<Rgb24>(Decoding, data);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels);
        }
        catch (Exception e) when (IsDecodingFailure(e))
        {
            throw new ArgumentException($"{field}: the image cannot be decoded ({e.Message}).", e);
        }
    }

    // ImageSharp's refusals, and what its decoders throw on a cut or corrupt file: fuzzing found a PNG cut inside a chunk
    // header that threw ArgumentOutOfRangeException from Identify, and a JPEG with bytes spliced before its JFIF segment
    // that threw NullReferenceException from ImageSharp 2.1's JPEG decoder (docs/SECURITY.md, findings 6 and 7).
    static bool IsDecodingFailure(Exception e) => e is ImageFormatException or NotSupportedException or ArgumentException
        or InvalidMemoryOperationException or EndOfStreamException or IndexOutOfRangeException or NullReferenceException;

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
