using System.ClientModel;
using Media.Hosting.Tests.Support;
using OpenAI.Images;

namespace Media.OpenAiSdk.Tests;

/// <summary>Images through the official OpenAI .NET SDK's ImageClient.</summary>
public sealed class ImageTests(SdkGateway gateway) : IClassFixture<SdkGateway>
{
    ImageClient Images(string model = TestModels.Image) => gateway.Client.GetImageClient(model);

    [Fact]
    public async Task Bytes_come_back_as_a_png()
    {
        GeneratedImage image = await Images().GenerateImageAsync("a red fox", new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Bytes });
        Assert.Equal("image/png", SixLabors.ImageSharp.Image.DetectFormat(image.ImageBytes.ToArray())?.DefaultMimeType);
    }

    [Fact]
    public async Task A_url_links_a_downloadable_png()
    {
        GeneratedImage image = await Images().GenerateImageAsync("a red fox", new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Uri });
        using var file = await gateway.Http.GetAsync(image.ImageUri);
        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal("image/png", SixLabors.ImageSharp.Image.DetectFormat(await file.Content.ReadAsByteArrayAsync())?.DefaultMimeType);
    }

    [Fact]
    public async Task N_of_two_gives_two_images()
    {
        GeneratedImageCollection images = await Images().GenerateImagesAsync("a red fox", 2, new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Bytes });
        Assert.Equal(2, images.Count);
        Assert.All(images, i => Assert.True(i.ImageBytes.ToArray().Length > 0));
    }

    [Theory]
    [InlineData("jpeg", "image/jpeg")]
    [InlineData("webp", "image/webp")]
    public async Task Jpeg_and_webp_decode_and_compression_30_is_smaller_than_95(string format, string mime)
    {
        var fileFormat = format == "jpeg" ? GeneratedImageFileFormat.Jpeg : GeneratedImageFileFormat.Webp;
        async Task<byte[]> Generate(int compression)
        {
            GeneratedImageCollection images = await Images(SdkGateway.TexturedImage).GenerateImagesAsync("stripes", 1, new ImageGenerationOptions
            {
                OutputFileFormat = fileFormat, OutputCompressionFactor = compression,
            });
            Assert.Equal(fileFormat, images.OutputFileFormat);
            return images[0].ImageBytes.ToArray();
        }
        byte[] low = await Generate(30), high = await Generate(95);
        foreach (var bytes in new[] { low, high })
        {
            using var image = SixLabors.ImageSharp.Image.Load(bytes, out var detected);
            Assert.Equal(mime, detected.DefaultMimeType);
            Assert.Equal((64, 64), (image.Width, image.Height));
        }
        Assert.True(low.Length < high.Length, $"{format}: compression 30 gave {low.Length} bytes, 95 gave {high.Length}");
    }

    [Fact]
    public async Task A_bad_size_is_a_400_in_OpenAIs_error_shape()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Images().GenerateImageAsync("a red fox", new ImageGenerationOptions { Size = new GeneratedImageSize(100, 100) }));
        Assert.Equal(400, error.Status);
        var body = System.Text.Json.JsonDocument.Parse(error.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", body.GetProperty("type").GetString());
        Assert.Equal("size", body.GetProperty("param").GetString());
    }
}
