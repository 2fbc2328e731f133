using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Media.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;

namespace Media.Gateway.Tests;

/// <summary><c>/v1/images/generations</c> over real HTTP with the test generators: OpenAI's request and answer shapes.</summary>
public sealed class ImageGenerationsTests(ImageGenerationsTests.Gateway gateway) : IClassFixture<ImageGenerationsTests.Gateway>
{
    readonly GatewayFactory factory = gateway.Factory;
    readonly HttpClient client = gateway.Client;

    /// <summary>The class's one gateway, called as the SDKs call it: with an API key (a key's jobs are its own, so the url artifacts need it too).</summary>
    public sealed class Gateway : SharedGateway
    {
        public Gateway()
        {
            var (_, token) = Factory.Services.GetRequiredService<Media.Hosting.Keys.ApiKeyService>()
                .CreateAsync("sdk", [Media.Hosting.Keys.ApiKeyScopes.Jobs], CancellationToken.None).GetAwaiter().GetResult();
            Client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
    }

    [Theory]
    [InlineData("{\"model\":\"test-image\"}", "prompt", "Missing required parameter")]
    [InlineData("{\"prompt\":\"a fox\",\"size\":\"big\"}", "size", "WIDTHxHEIGHT")]
    [InlineData("{\"prompt\":\"a fox\",\"size\":\"100x100\"}", "size", "multiple of 16")]
    [InlineData("{\"prompt\":\"a fox\",\"n\":11}", "n", "1..10")]
    [InlineData("{\"prompt\":\"a fox\",\"n\":\"two\"}", "n", "whole number")]
    [InlineData("{\"prompt\":\"a fox\",\"stream\":true,\"n\":2}", "n", "one image")]
    [InlineData("{\"prompt\":\"a fox\",\"partial_images\":4}", "partial_images", "0..3")]
    [InlineData("{\"prompt\":\"a fox\",\"response_format\":\"jpg\"}", "response_format", "'b64_json', 'url'")]
    [InlineData("{\"prompt\":\"a fox\",\"output_format\":\"gif\"}", "output_format", "'png', 'jpeg', 'webp'")]
    [InlineData("{\"prompt\":\"a fox\",\"output_compression\":101}", "output_compression", "0..100")]
    [InlineData("{\"prompt\":\"a fox\",\"quality\":\"ultra\"}", "quality", "'auto', 'low'")]
    [InlineData("{\"prompt\":\"a fox\",\"background\":\"transparent\"}", "background", "transparent")]
    [InlineData("{\"prompt\":\"a fox\",\"seed\":-1}", "seed", "within")]
    [InlineData("{\"prompt\":\"a fox\",\"colour\":\"red\"}", "colour", "Unrecognized request argument supplied: colour")]
    public async Task An_invalid_field_is_a_400_naming_it_in_OpenAI_error_shape(string body, string param, string message)
    {
        using var response = await client.PostAsync(new Uri("/v1/images/generations", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var error = await OpenAiHttp.ErrorAsync(response, 400);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_model_not_found()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations", new { model = "gpt-image-1", prompt = "a fox" });
        var error = await OpenAiHttp.ErrorAsync(response, 404);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_model_that_is_not_trained_is_refused_with_model_not_ready_and_the_reason()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations", new { model = "token-shuffle", prompt = "a fox" });
        var error = await OpenAiHttp.ErrorAsync(response, 409);
        Assert.Equal("model_not_ready", error.GetProperty("code").GetString());
        Assert.Contains("no trained checkpoint", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_gets_OpenAI_shaped_415_and_400()
    {
        using var text = await client.PostAsync(new Uri("/v1/images/generations", UriKind.Relative), new StringContent("prompt=a fox"));
        Assert.Equal("unsupported_media_type", (await OpenAiHttp.ErrorAsync(text, 415)).GetProperty("code").GetString());
        using var broken = await client.PostAsync(new Uri("/v1/images/generations", UriKind.Relative), new StringContent("{\"prompt\":", Encoding.UTF8, "application/json"));
        Assert.Contains("not valid JSON", (await OpenAiHttp.ErrorAsync(broken, 400)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task N_images_are_n_jobs_with_consecutive_seeds_returned_as_their_artifacts()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations",
            new { model = TestModels.Image, prompt = "two foxes", n = 2, seed = 7, size = "64x80" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("created").GetInt64() > 1_600_000_000);
        Assert.Equal("png", body.GetProperty("output_format").GetString());
        Assert.Equal("8x8", body.GetProperty("size").GetString()); // the test generator's real size, read from the PNG
        string[] jobIds = response.Headers.GetValues("x-media-job-id").Single().Split(',');
        Assert.Equal(2, jobIds.Length);
        for (int i = 0; i < 2; i++)
        {
            var job = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{jobIds[i]}", UriKind.Relative))).RootElement;
            var parameters = job.GetProperty("parameters");
            Assert.Equal(7 + i, parameters.GetProperty("seed").GetInt64());
            Assert.Equal(64, parameters.GetProperty("width").GetInt32());
            Assert.Equal(80, parameters.GetProperty("height").GetInt32());
            byte[] png = Convert.FromBase64String(body.GetProperty("data")[i].GetProperty("b64_json").GetString()!);
            byte[] artifact = await client.GetByteArrayAsync(new Uri(job.GetProperty("artifacts")[0].GetProperty("url").GetString()!, UriKind.Relative));
            Assert.Equal(artifact, png);
        }
    }

    [Fact]
    public async Task Url_format_links_the_artifact_by_an_absolute_url()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox", response_format = "url" });
        var image = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0];
        Assert.False(image.TryGetProperty("b64_json", out _));
        var url = new Uri(image.GetProperty("url").GetString()!);
        Assert.Equal(factory.BaseAddress!.Authority, url.Authority);
        using var file = await client.GetAsync(url);
        Assert.Equal("image/png", file.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("jpeg", "image/jpeg")]
    [InlineData("webp", "image/webp")]
    public async Task Jpeg_and_webp_carry_the_generation_metadata_and_their_url_serves_the_right_content_type(string format, string contentType)
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations",
            new { model = TestModels.Image, prompt = "a red fox", output_format = format, output_compression = 80, quality = "high", background = "opaque", seed = 7 });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(format, body.GetProperty("output_format").GetString());
        Assert.Equal("high", body.GetProperty("quality").GetString());
        byte[] bytes = Convert.FromBase64String(body.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        using var image = SixLabors.ImageSharp.Image.Load(bytes, out var detected);
        Assert.Equal(contentType, detected.DefaultMimeType);
        Assert.Equal((8, 8), (image.Width, image.Height));
        Assert.Equal("a red fox", image.Metadata.ExifProfile?.GetValue(ExifTag.ImageDescription)?.Value);
        string xmp = Encoding.UTF8.GetString(image.Metadata.XmpProfile!.ToByteArray());
        Assert.Contains("<media:seed>7</media:seed>", xmp, StringComparison.Ordinal);
        Assert.Contains($"<media:model>{TestModels.Image}</media:model>", xmp, StringComparison.Ordinal);

        using var linked = await OpenAiHttp.PostAsync(client, "/v1/images/generations",
            new { model = TestModels.Image, prompt = "a red fox", output_format = format, response_format = "url" });
        var url = new Uri(JsonDocument.Parse(await linked.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("url").GetString()!);
        using var file = await client.GetAsync(url);
        Assert.Equal(contentType, file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(contentType, SixLabors.ImageSharp.Image.DetectFormat(await file.Content.ReadAsByteArrayAsync())?.DefaultMimeType);
    }

    [Fact]
    public async Task Streamed_partial_images_come_in_the_asked_format()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations",
            new { model = TestModels.Image, prompt = "a fox", stream = true, partial_images = 1, output_format = "webp" });
        var events = OpenAiHttp.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, events.Count);
        foreach (var (_, e) in events)
        {
            Assert.Equal("webp", e.GetProperty("output_format").GetString());
            Assert.Equal("image/webp", SixLabors.ImageSharp.Image.DetectFormat(Convert.FromBase64String(e.GetProperty("b64_json").GetString()!))?.DefaultMimeType);
        }
    }

    [Fact]
    public async Task Streaming_sends_the_jobs_preview_as_a_partial_image_then_the_completed_image()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations",
            new { model = TestModels.Image, prompt = "a fox", stream = true, partial_images = 2, seed = 5 });
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = OpenAiHttp.Events(await response.Content.ReadAsStringAsync());
        // The test generator makes one preview (step 3 of 5, shade 30) and an 8x8 image of shade 5.
        Assert.Equal(new[] { "image_generation.partial_image", "image_generation.completed" }, events.Select(e => e.Event));
        var (_, partial) = events[0];
        Assert.Equal("image_generation.partial_image", partial.GetProperty("type").GetString());
        Assert.Equal(0, partial.GetProperty("partial_image_index").GetInt32());
        Assert.Equal(TinyMedia.Png(4, 4, 30), Convert.FromBase64String(partial.GetProperty("b64_json").GetString()!));
        foreach (string field in new[] { "created_at", "size", "quality", "background", "output_format" }) Assert.True(partial.TryGetProperty(field, out _), field);
        var (_, completed) = events[1];
        Assert.Equal("image_generation.completed", completed.GetProperty("type").GetString());
        byte[] png = Convert.FromBase64String(completed.GetProperty("b64_json").GetString()!);
        Assert.Equal(TinyMedia.Png(8, 8, 5), OpenAiHttp.PngWithoutText(png));
        Assert.Equal("8x8", completed.GetProperty("size").GetString());
    }

    [Fact]
    public async Task Without_partial_images_the_stream_holds_only_the_completed_image()
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox", stream = true });
        var events = OpenAiHttp.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal(new[] { "image_generation.completed" }, events.Select(e => e.Event));
    }

    [Fact]
    public async Task A_failing_generator_is_a_500_with_its_reason_or_an_error_event_when_streaming()
    {
        using var plain = await OpenAiHttp.PostAsync(client, "/v1/images/generations", new { model = TestModels.Broken, prompt = "a fox" });
        var error = await OpenAiHttp.ErrorAsync(plain, 500);
        Assert.Equal("generation_failed", error.GetProperty("code").GetString());
        Assert.Contains("told to fail at step 2", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        using var streamed = await OpenAiHttp.PostAsync(client, "/v1/images/generations", new { model = TestModels.Broken, prompt = "a fox", stream = true });
        var (name, data) = OpenAiHttp.Events(await streamed.Content.ReadAsStringAsync()).Single();
        Assert.Equal("error", name);
        Assert.Contains("told to fail at step 2", data.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_that_leaves_cancels_its_job()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations")
        {
            Content = JsonContent.Create(new { model = TestModels.Slow, prompt = "a slow fox" }),
        };
        using var leave = new CancellationTokenSource();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token)
            .WaitAsync(TimeSpan.FromMilliseconds(400)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        Assert.Null(response); // still generating: the answer comes only with the image
        // Leave once the job exists (on a loaded machine the first request can take longer than the wait above).
        JsonElement jobs;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(20))
        {
            jobs = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs?model={TestModels.Slow}", UriKind.Relative))).RootElement.GetProperty("data");
            if (jobs.GetArrayLength() > 0) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the request became a job");
        }
        await leave.CancelAsync();
        string id = jobs[0].GetProperty("id").GetString()!;
        var finished = await JobsApiTests.WaitFinishedAsync(client, id);
        Assert.Equal("cancelled", finished.GetProperty("status").GetString());
    }
}

/// <summary><c>/v1/models</c> on a fresh gateway: before any job a model that can run is "available", not yet "loaded".</summary>
public sealed class ImageModelsListTests : IDisposable
{
    readonly ImageGenerationsTests.Gateway gateway = new();
    readonly HttpClient client;

    public ImageModelsListTests() => client = gateway.Client;

    public void Dispose() => gateway.Dispose();

    [Fact]
    public async Task Models_that_can_take_a_job_are_listed_OpenAI_shaped_and_api_models_keeps_every_model()
    {
        var list = JsonDocument.Parse(await client.GetStringAsync(new Uri("/v1/models", UriKind.Relative))).RootElement;
        Assert.Equal("list", list.GetProperty("object").GetString());
        var models = list.GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        // token-shuffle has no checkpoint in this test's models folder: it cannot run, so OpenAI clients do not see it.
        Assert.DoesNotContain("token-shuffle", models.Keys);
        Assert.All(models.Values, m => Assert.Equal("available", m.GetProperty("state").GetString()));
        var all = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/models", UriKind.Relative))).RootElement.GetProperty("data")
            .EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.Equal("missing", all["token-shuffle"].GetProperty("state").GetString());
        Assert.Equal("model", models[TestModels.Image].GetProperty("object").GetString());
        Assert.Equal("available", models[TestModels.Image].GetProperty("state").GetString());
        Assert.True(models[TestModels.Image].GetProperty("created").GetInt64() > 0);
        using var unknown = await client.GetAsync(new Uri("/v1/models/nope", UriKind.Relative));
        Assert.Equal("model_not_found", (await OpenAiHttp.ErrorAsync(unknown, 404)).GetProperty("code").GetString());
        using var route = await client.GetAsync(new Uri("/v1/embeddings", UriKind.Relative));
        Assert.Equal("unknown_url", (await OpenAiHttp.ErrorAsync(route, 404)).GetProperty("code").GetString());
    }
}
