using SixLabors.ImageSharp.PixelFormats;
using ImageSharpImage = SixLabors.ImageSharp.Image;

namespace Media.Services.Image.Data;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B; PNG via ImageSharp.</summary>
public sealed class RgbImage
{
    readonly byte[] pixels;

    /// <summary>A black image of the given size.</summary>
    public RgbImage(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        pixels = new byte[width * height * 3];
    }

    /// <summary>An image over a copy of interleaved RGB bytes (width * height * 3 of them).</summary>
    public RgbImage(int width, int height, ReadOnlySpan<byte> rgb) : this(width, height)
    {
        if (rgb.Length != pixels.Length)
            throw new ArgumentException($"Expected {pixels.Length} bytes for {width}x{height} RGB, got {rgb.Length}.", nameof(rgb));
        rgb.CopyTo(pixels);
    }

    /// <summary>A uniform image of one colour.</summary>
    public static RgbImage Filled(int width, int height, byte r, byte g, byte b)
    {
        var image = new RgbImage(width, height);
        for (int i = 0; i < image.pixels.Length; i += 3)
            (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) = (r, g, b);
        return image;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The interleaved RGB bytes, row-major.</summary>
    public Span<byte> Pixels => pixels;

    /// <summary>The colour at (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int i = Offset(x, y);
            return (pixels[i], pixels[i + 1], pixels[i + 2]);
        }
        set
        {
            int i = Offset(x, y);
            (pixels[i], pixels[i + 1], pixels[i + 2]) = value;
        }
    }

    /// <summary>PNG bytes of this image.</summary>
    public byte[] EncodePng()
    {
        using var image = ImageSharpImage.LoadPixelData<Rgb24>(pixels, Width, Height);
        using var stream = new MemoryStream();
        image.Save(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder());
        return stream.ToArray();
    }

    /// <summary>Decodes any image ImageSharp reads (PNG, JPEG, ...) to RGB.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty) throw new ArgumentException("No image bytes.", nameof(encoded));
        using var image = ImageSharpImage.Load<Rgb24>(encoded);
        var result = new RgbImage(image.Width, image.Height);
        image.CopyPixelDataTo(result.pixels);
        return result;
    }

    int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) lies outside the {Width}x{Height} image.");
        return (y * Width + x) * 3;
    }
}
