using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Media.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary>
/// <c>/v1/images/edits</c> over real HTTP: OpenAI's multipart edit mapped to MagicMix's image-text mode. The upload is read
/// through ImageSharp before any job exists, so a bad image is a 400 naming <c>image</c>; a model that does not mix is refused.
/// </summary>
public sealed class ImageEditsTests : IClassFixture<SharedGateway>, IDisposable
{
    readonly GatewayFactory factory;
    readonly HttpClient client;

    // One gateway for the class (no test reads another's jobs); each test sends its own key, as the SDK would.
    public ImageEditsTests(SharedGateway gateway)
    {
        factory = gateway.Factory;
        client = gateway.ClientWithNewKey();
    }

    public void Dispose() => client.Dispose();

    static MultipartFormDataContent Form(byte[]? image, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        if (image is not null)
        {
            var file = new ByteArrayContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "image", "layout.png");
        }
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    [Fact]
    public async Task An_edit_comes_back_as_a_PNG_and_its_job_carries_the_layout_image_and_the_knobs()
    {
        byte[] layout = TinyMedia.Png(16, 16, 200);
        using var response = await client.PostAsync(new Uri("/v1/images/edits", UriKind.Relative),
            Form(layout, ("model", TestModels.Image), ("prompt", "a blue star"), ("nu", "0.7"), ("k_min", "0.2")));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        byte[] png = Convert.FromBase64String(body.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4e, 0x47 }, png[..4]);
        string jobId = response.Headers.GetValues("x-media-job-id").Single();
        var job = await factory.Services.GetRequiredService<Media.Hosting.Jobs.JobService>().GetAsync(jobId, CancellationToken.None);
        var mix = job!.Parameters.GetProperty("mix");
        Assert.Equal("a blue star", job.Parameters.GetProperty("prompt").GetString());
        Assert.Equal(layout, Convert.FromBase64String(mix.GetProperty("image").GetString()!));
        Assert.Equal(0.7, mix.GetProperty("nu").GetDouble());
        Assert.Equal(0.2, mix.GetProperty("k_min").GetDouble());
    }

    [Theory]
    [InlineData("corrupt", "image", "image: ")]
    [InlineData("text", "image", "not a PNG, JPEG or WebP")]
    [InlineData("none", "image", "Missing required parameter: 'image'")]
    [InlineData("nu", "nu", "must be a number")]
    [InlineData("mask", "mask", "mask is not supported")]
    public async Task A_bad_upload_or_field_is_a_400_naming_it(string what, string param, string message)
    {
        byte[] png = TinyMedia.Png(16, 16, 10);
        byte[]? image = what switch
        {
            "corrupt" => png[..20],
            "text" => "not an image at all"u8.ToArray(),
            "none" => null,
            _ => png,
        };
        using var form = Form(image, ("model", TestModels.Image), ("prompt", "a blue star"));
        if (what == "nu") form.Add(new StringContent("lots"), "nu");
        if (what == "mask") form.Add(new ByteArrayContent(png), "mask", "mask.png");
        using var response = await client.PostAsync(new Uri("/v1/images/edits", UriKind.Relative), form);
        var error = await OpenAiHttp.ErrorAsync(response, 400);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The service keeps running: a good edit right after succeeds.
        using var ok = await client.PostAsync(new Uri("/v1/images/edits", UriKind.Relative), Form(png, ("model", TestModels.Image), ("prompt", "a red ring")));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Magicmix_is_the_default_model_and_is_not_ready_until_trained()
    {
        using var response = await client.PostAsync(new Uri("/v1/images/edits", UriKind.Relative), Form(TinyMedia.Png(16, 16, 10), ("prompt", "a blue star")));
        var error = await OpenAiHttp.ErrorAsync(response, 409);
        Assert.Equal("model_not_ready", error.GetProperty("code").GetString());
        Assert.Contains("magicmix", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_that_does_not_mix_is_refused()
    {
        using var response = await client.PostAsync(new Uri("/v1/images/edits", UriKind.Relative),
            Form(TinyMedia.Png(16, 16, 10), ("model", TestModels.Slow), ("prompt", "a blue star")));
        var error = await OpenAiHttp.ErrorAsync(response, 400);
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("does not edit images", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_edit_route_and_the_image_jobs_mix_parameter()
    {
        string text = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var doc = JsonDocument.Parse(text);
        var paths = doc.RootElement.GetProperty("paths");
        // The edit route is described exactly as the generation route is.
        Assert.Equal(paths.TryGetProperty("/v1/images/generations", out _), paths.TryGetProperty("/v1/images/edits", out _));
        foreach (string field in new[] { "\"mix\"", "\"layout_prompt\"", "\"k_min\"", "\"k_max\"", "\"nu\"" })
            Assert.Contains(field, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_out_of_range_knob_is_a_400_naming_it()
    {
        using var response = await client.PostAsync(new Uri("/v1/images/edits", UriKind.Relative),
            Form(TinyMedia.Png(16, 16, 10), ("model", TestModels.Image), ("prompt", "a blue star"), ("nu", "1.5")));
        var error = await OpenAiHttp.ErrorAsync(response, 400);
        Assert.Equal("nu", error.GetProperty("param").GetString());
    }
}
