using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests;

/// <summary>
/// Issue 22 §1: limits checked before acceptance (3), malformed Unicode (4), the batch_id filter (6), no server paths in
/// /api/models (9). The committed token-shuffle's config (and its tokenizer's) are copied into the test models folder,
/// with a stand-in weights file: the limits read the configs only, and the model is never loaded.
/// </summary>
public sealed class LimitsTests(LimitsTests.Gateway gateway) : IClassFixture<LimitsTests.Gateway>
{
    readonly GatewayFactory factory = gateway.Factory;
    readonly HttpClient client = gateway.Client;

    /// <summary>The class's one gateway, with the committed token-shuffle and image-vq configs (stand-in weights) in its models folder.</summary>
    public sealed class Gateway : SharedGateway
    {
        public Gateway() : base(WriteConfigs) { }

        static void WriteConfigs(GatewayFactory created)
        {
            foreach (string folder in new[] { "token-shuffle", "image-vq" })
            {
                string target = Directory.CreateDirectory(Path.Combine(created.ModelsDirectory, folder)).FullName;
                File.Copy(Path.Combine(RepositoryModels(), folder, "config.json"), Path.Combine(target, "config.json"));
                File.WriteAllText(Path.Combine(target, "model.safetensors"), "stand-in: never loaded by these tests");
            }
        }
    }

    static string RepositoryModels()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "models", "token-shuffle", "config.json"))) return Path.Combine(dir.FullName, "models");
        throw new DirectoryNotFoundException("the checkout's models folder");
    }

    async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task An_image_size_the_model_cannot_draw_is_a_400_naming_the_field_and_the_limit()
    {
        var (status, body) = await PostAsync("/api/jobs", """{"kind":"image","model":"token-shuffle","parameters":{"prompt":"a red circle","width":128,"height":128}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("must be 64: token-shuffle draws 64x64 images only", Assert.Single(body.GetProperty("errors").GetProperty("parameters.width").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task A_prompt_longer_than_the_models_caption_is_a_400_naming_its_token_limit()
    {
        string prompt = string.Join(' ', Enumerable.Repeat("a red circle to the left of a blue square", 4));
        var (status, body) = await PostAsync("/api/jobs", JsonSerializer.Serialize(new { kind = "image", model = "token-shuffle", parameters = new { prompt } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("reads at most 24", body.GetProperty("errors").GetProperty("parameters.prompt")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAIs_image_route_answers_a_size_the_model_cannot_draw_with_its_400_shape()
    {
        var (status, body) = await PostAsync("/v1/images/generations", """{"model":"token-shuffle","prompt":"a red circle","size":"128x128"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("size", error.GetProperty("param").GetString());
        Assert.Contains("64x64", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_list_their_limits_and_no_server_paths()
    {
        string text = await client.GetStringAsync(new Uri("/api/models", UriKind.Relative));
        Assert.DoesNotContain(factory.Root, text, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.ModelsDirectory, text, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(text);
        var model = body.RootElement.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "token-shuffle");
        Assert.Equal("token-shuffle", model.GetProperty("checkpoint").GetString());
        Assert.Equal(["64x64"], model.GetProperty("limits").GetProperty("sizes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(24, model.GetProperty("limits").GetProperty("prompt_tokens").GetInt32());
        var missing = body.RootElement.GetProperty("data").EnumerateArray().First(m => m.GetProperty("state").GetString() == "missing");
        Assert.DoesNotContain("/", missing.GetProperty("reason").GetString()!.Replace(missing.GetProperty("checkpoint").GetString() + "/", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/jobs")]
    [InlineData("/v1/images/generations")]
    public async Task A_lone_surrogate_in_a_prompt_is_a_400(string path)
    {
        string json = path == "/api/jobs"
            ? """{"kind":"image","model":"test-image","parameters":{"prompt":"a \ud800 fox"}}"""
            : """{"model":"test-image","prompt":"a \ud800 fox"}""";
        var (status, _) = await PostAsync(path, json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [InlineData("/api/jobs")]
    [InlineData("/v1/images/generations")]
    public async Task Raw_0xFF_bytes_in_a_prompt_are_a_400(string path)
    {
        string json = path == "/api/jobs"
            ? """{"kind":"image","model":"test-image","parameters":{"prompt":"a @@ fox"}}"""
            : """{"model":"test-image","prompt":"a @@ fox"}""";
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        int at = Array.IndexOf(bytes, (byte)'@');
        bytes[at] = 0xFF;
        bytes[at + 1] = 0xFE;
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_batch_id_filter_lists_only_that_batchs_jobs()
    {
        // Other jobs in the store: before the fix batch_id was not bound and these were listed too.
        await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "not in a batch", steps = 1 } });
        using var upload = new StringContent("""{"custom_id":"one","request":{"kind":"image","model":"test-image","parameters":{"prompt":"in the batch","steps":1}}}""",
            Encoding.UTF8, "application/jsonl");
        using var created = await client.PostAsync(new Uri("/api/batches", UriKind.Relative), upload);
        string batchId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        JsonElement[] jobs = [];
        for (int i = 0; i < 500 && jobs.Length == 0; i++)
        {
            using var page = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs?batch_id={batchId}", UriKind.Relative)));
            jobs = [.. page.RootElement.GetProperty("data").EnumerateArray().Select(j => j.Clone())];
            if (jobs.Length == 0) await Task.Delay(20);
        }
        var job = Assert.Single(jobs);
        Assert.Equal(batchId, job.GetProperty("batch_id").GetString());
    }
}
