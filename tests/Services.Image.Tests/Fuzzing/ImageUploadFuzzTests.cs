using Media.Services.Image.Data;
using Media.Services.Image.Formats;
using Media.Tests.Support.Fuzzing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace Media.Services.Image.Tests.Fuzzing;

/// <summary>
/// The reference-image reader takes uploads (D-AR's <c>layout.image</c>, MagicMix's layout image): any bytes must come
/// back as an RGB image or as an <see cref="ArgumentException"/> that names the field (the API's 400), within bounded
/// time and memory. Seeds are small valid PNG (RGB, palette, grey with alpha, interlaced), JPEG (baseline, progressive)
/// and WebP (lossy, lossless) files.
/// </summary>
[Trait("Category", FuzzBudget.Category)]
[Trait("FuzzTarget", "image-upload")]
public sealed class ImageUploadFuzzTests(ITestOutputHelper output)
{
    const string Field = "layout.image";

    internal static IReadOnlyList<byte[]> Seeds()
    {
        using var image = new Image<Rgba32>(12, 8);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 12; x++) image[x, y] = new Rgba32((byte)(20 * x), (byte)(30 * y), (byte)(x * y), (byte)(255 - 10 * x));
        byte[] Save(SixLabors.ImageSharp.Formats.IImageEncoder encoder)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
        return
        [
            RgbImage.Filled(10, 6, 200, 30, 40).EncodePng(),
            Save(new PngEncoder { ColorType = PngColorType.Palette }),
            Save(new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha, InterlaceMethod = PngInterlaceMode.Adam7 }),
            Save(new JpegEncoder { Quality = 80 }),
            Save(new JpegEncoder { Quality = 50, ColorType = JpegColorType.YCbCrRatio420 }),
            Save(new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }),
            Save(new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }),
        ];
    }

    [Fact]
    public void Every_seed_is_an_image_the_reader_takes()
    {
        foreach (var seed in Seeds()) Assert.True(ImageUpload.Read(seed, Field).Width > 0);
    }

    [Fact]
    public void Mutated_images_are_read_or_refused_naming_the_field() =>
        FuzzProperty.Check(ByteMutations.Of(Seeds()), ReadOrRefuse, modestExecutions: 1000, output, print: Convert.ToHexString);

    /// <summary>The property: an image whose pixels fill its size, or the reader's one refusal, naming the field.</summary>
    internal static void ReadOrRefuse(byte[] bytes)
    {
        try
        {
            var image = ImageUpload.Read(bytes, Field);
            Assert.True(image.Width > 0 && image.Height > 0 && (long)image.Width * image.Height <= ImageUpload.MaxPixels);
            Assert.Equal(image.Width * image.Height * 3, image.Pixels.Length);
        }
        catch (ArgumentException e)
        {
            Assert.StartsWith(Field + ":", e.Message, StringComparison.Ordinal);
        }
    }
}
