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

/// <summary>Inputs the image-upload fuzzer found, each kept as it was found (docs/SECURITY.md, "Findings").</summary>
public sealed class ImageUploadFuzzFindings
{
    [Fact]
    public void A_png_cut_inside_a_chunk_header_is_refused_naming_the_field()
    {
        // Fuzz finding 6 (seed bs1EN8CoY-U1, 20,000 executions): a 10x6 RGB PNG cut after 46 bytes, inside its pHYs chunk.
        // ImageSharp's Identify threw ArgumentOutOfRangeException, which left the reader unnamed ("Specified argument was
        // out of the range of valid values") instead of the field's 400.
        byte[] input = Convert.FromHexString("89504E470D0A1A0A0000000D494844520000000A00000006080200000075929891000000097048597300000EC400");

        var refused = Assert.Throws<ArgumentException>(() => ImageUpload.Read(input, "layout.image"));

        Assert.StartsWith("layout.image:", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_jpeg_with_bytes_spliced_before_its_jfif_segment_is_refused_naming_the_field()
    {
        // Fuzz finding 7 (seed 8W1R70yZW_U1, 20,000 executions after finding 6's fix): a JPEG seed with bytes spliced in
        // after its start marker. ImageSharp 2.1's JPEG decoder threw NullReferenceException.
        byte[] input = Convert.FromHexString(
            "FFD8FFE000CB8875B60100C52824A4A0F1B762A207507032C23BD8175E1DC0D5658F2F0BD7A354158AF3520892F1F2097CAC3C2631DD125F79545524"
            + "F27016104A46494600010101006000600000FFDB00840006040506050406060506070706080A100A0A09090A140E0F0C1017141818171416161A1D25"
            + "1F1A1B231C1616202C20232627292A29191F2D302D283025282928010707070A080A130A0A13281A161A282828282828282828282828282828282828"
            + "2828282828282828282828282828282828282828282828282828282828282828FFC00011080008000C03012200021101031101FFC401A20000010501"
            + "010101010100000000000000000102030405060708090A0B100002010303020403050504040000017D01020300041105122131410613516107227114"
            + "328191A1082342B1C11552D1F02433627282090A161718191A25262728292A3435363738393A434445464748494A535455565758595A636465666768"
            + "696A737475767778797A838485868788898A92939495969798999AA2A3A4A5A6A7A8A9AAB2B3B4B5B6B7B8B9BAC2C3C4C5C6C7C8C9CAD2D3D4D5D6D7"
            + "D8D9DAE1E2E3E4E5E6E7E8E9EAF1F2F3F4F5F6F7F8F9FA0100030101010101010101010000000000000102030405060708090A0B1100020102040403"
            + "040705040400010277000102031104052131061241510761711322328108144291A1B1C109233352F0156272D10A162434E125F11718191A26272829"
            + "2A35363738393A434445464748494A535455565758595A636465666768696A737475767778797A82838485868788898A92939495969798999AA2A3A4"
            + "A5A6A7A8A9AAB2B3B4B5B6B7B8B9BAC2C3C4C5C6C7C8C9CAD2D3D4D5D6D7D8D9DAE2E3E4E5E6E7E8E9EAF2F3F4F5F6F7F8F9FAFFDA000C0301000211"
            + "0311003F00E1342F87B9DBFB9FD2BBAB3F877FB85FDCFE95C2E85F0F73B7F73FA577567F0EFF0070BFB9FD2BE2ABD7E67FC5BFCBFE09ED70B63BF75F"
            + "EF5FF92FFF006C7FFFD9");

        var refused = Assert.Throws<ArgumentException>(() => ImageUpload.Read(input, "layout.image"));

        Assert.StartsWith("layout.image:", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_png_whose_decoder_never_returned_is_refused_in_bounded_time()
    {
        // Fuzz finding 8 (40,000-execution probe, 2026-12-04): the 12x8 interlaced grey-and-alpha PNG seed with random
        // bytes inserted after its pHYs chunk and the 10x6 seed's head spliced in after them (239 bytes). ImageSharp 2.1.13's Identify read the header, then
        // its decoder never returned (one core spinning, the request hung); uploads are now decoded by Skia. The bound is
        // a hang check, far above a normal read (milliseconds), not a performance figure.
        byte[] input = Convert.FromHexString(
            "89504E470D0A1A0A0000000D494844520000000C00000008080400000110EAE6EC000000097048597300000EC400000EC401952B0E1B0000AC398251"
            + "489FA53C65B7154FD25019B0ED241EC95644C4A9E0ED7257353277C21180594ADB93AD90697E8334E89C53DBFE00538FCFD4EB6874D8705B2D4D0633"
            + "006249444154789C6D89410E80200C047B5812CA89504E470D0A1A0A0000000D494844520000000A0000000608020000007592989100000009704859"
            + "7300000EC400000EC401952B0E1B0000001549444154789C633921A7C1801BB030E00503290D00CD9601275972CBB10000000049454E44AE426082");

        var read = Task.Run(() => Assert.Throws<ArgumentException>(() => ImageUpload.Read(input, "layout.image")));

        var refused = await read.WaitAsync(TimeSpan.FromSeconds(30)); // a TimeoutException fails the test
        Assert.StartsWith("layout.image:", refused.Message, StringComparison.Ordinal);
    }
}
