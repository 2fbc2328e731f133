using Media.Services.Image.Data;
using Media.Services.Image.Formats;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace Media.Services.Image.Tests.DAr;

/// <summary>The reference-image reader: PNG, JPEG and WebP in, anything else or anything too big out with the field named.</summary>
public sealed class ImageUploadTests
{
    static byte[] Encode(int width, int height, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 30, 40));
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    [Fact]
    public void Reads_png_jpeg_and_webp()
    {
        var png = RgbImage.Filled(10, 6, 200, 30, 40).EncodePng();
        var read = ImageUpload.Read(png, "layout.image");
        Assert.Equal((10, 6), (read.Width, read.Height));
        Assert.Equal((byte)200, read.Pixels[0]);
        Assert.Equal(10, ImageUpload.Read(Encode(10, 6, new JpegEncoder()), "layout.image").Width);
        Assert.Equal(10, ImageUpload.Read(Encode(10, 6, new WebpEncoder()), "layout.image").Width);
    }

    [Fact]
    public void Refuses_garbage_other_formats_and_oversized_images_naming_the_field()
    {
        Assert.Contains("layout.image", Assert.Throws<ArgumentException>(() => ImageUpload.Read("not an image"u8.ToArray(), "layout.image")).Message);
        Assert.Contains("layout.image", Assert.Throws<ArgumentException>(() => ImageUpload.Read([], "layout.image")).Message);
        Assert.Contains("layout.image", Assert.Throws<ArgumentException>(() => ImageUpload.Read(Encode(4, 4, new GifEncoder()), "layout.image")).Message);
        var big = RgbImage.Filled(300, 200, 1, 2, 3).EncodePng();
        Assert.Contains("pixels", Assert.Throws<ArgumentException>(() => ImageUpload.Read(big, "layout.image", maxPixels: 50_000)).Message);
        Assert.Contains("bytes", Assert.Throws<ArgumentException>(() => ImageUpload.Read(big, "layout.image", maxBytes: 10)).Message);
    }

    [Fact]
    public void Fit_crops_the_centre_square_and_resizes()
    {
        var wide = new RgbImage(30, 10);
        for (int y = 0; y < 10; y++)
            for (int x = 10; x < 20; x++) wide.Pixels[(y * 30 + x) * 3] = 255;   // a red centre square on black
        var fitted = ImageUpload.Fit(wide, 4);
        Assert.Equal((4, 4), (fitted.Width, fitted.Height));
        for (int i = 0; i < 16; i++) Assert.True(fitted.Pixels[i * 3] > 200, $"pixel {i} is not from the centre square");
    }
}
