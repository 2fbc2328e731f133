using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests;

/// <summary>OpenAI's Batch API over real HTTP: <c>/v1/files</c> uploads, <c>/v1/batches</c> on the batch engine, output and error files.</summary>
public sealed class OpenAiBatchesTests(OpenAiBatchesTests.Gateway gateway) : IClassFixture<OpenAiBatchesTests.Gateway>, IDisposable
{
    /// <summary>One gateway for the class, two image jobs at a time; each test lists only what its own key made.</summary>
    public sealed class Gateway() : SharedGateway(null, new Dictionary<string, string?> { ["Media:Jobs:Concurrency:image"] = "2" });

    readonly GatewayFactory factory = gateway.Factory;
    readonly HttpClient client = gateway.ClientWithNewKey();

    public void Dispose() => client.Dispose();

    internal static string Line(string customId, string url, object body, string method = "POST") =>
        JsonSerializer.Serialize(new { custom_id = customId, method, url, body });

    internal static async Task<string> UploadAsync(HttpClient client, string jsonl, string purpose = "batch")
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(purpose), "purpose" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl)), "file", "requests.jsonl" },
        };
        using var response = await client.PostAsync(new Uri("/v1/files", UriKind.Relative), form);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var file = JsonDocument.Parse(text).RootElement;
        Assert.Equal(("file", purpose, "requests.jsonl", (long)Encoding.UTF8.GetByteCount(jsonl)),
            (file.GetProperty("object").GetString(), file.GetProperty("purpose").GetString(), file.GetProperty("filename").GetString(), file.GetProperty("bytes").GetInt64()));
        return file.GetProperty("id").GetString()!;
    }

    internal static async Task<JsonElement> CreateAsync(HttpClient client, string fileId, string endpoint, object? metadata = null)
    {
        using var response = await OpenAiHttp.PostAsync(client, "/v1/batches", new { input_file_id = fileId, endpoint, completion_window = "24h", metadata });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<JsonElement> WaitAsync(HttpClient client, string id, params string[] statuses)
    {
        for (int i = 0; i < 3000; i++)
        {
            var batch = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/v1/batches/{id}", UriKind.Relative))).RootElement.Clone();
            if (statuses.Contains(batch.GetProperty("status").GetString())) return batch;
            await Task.Delay(10);
        }
        throw new TimeoutException(id);
    }

    internal static async Task<List<JsonElement>> ContentAsync(HttpClient client, string fileId) =>
        (await client.GetStringAsync(new Uri($"/v1/files/{fileId}/content", UriKind.Relative))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public async Task An_image_batch_completes_with_the_routes_answers_in_the_output_file_and_refusals_in_the_error_file()
    {
        string jsonl = string.Join('\n',
            Line("two", "/v1/images/generations", new { model = TestModels.Image, prompt = "a red fox", n = 2, seed = 5 }),
            Line("link", "/v1/images/generations", new { model = TestModels.Image, prompt = "a blue fox", response_format = "url" }),
            Line("bad-size", "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox", size = "100x100" }),
            Line("no-prompt", "/v1/images/generations", new { model = TestModels.Image }),
            Line("untrained", "/v1/images/generations", new { model = "token-shuffle", prompt = "a fox" }),
            Line("broken", "/v1/images/generations", new { model = TestModels.Broken, prompt = "a fox" })) + "\n";
        string input = await UploadAsync(client, jsonl);
        var created = await CreateAsync(client, input, "/v1/images/generations", new { project = "foxes" });
        Assert.Equal(("batch", "/v1/images/generations", input, "24h"), (created.GetProperty("object").GetString(), created.GetProperty("endpoint").GetString(),
            created.GetProperty("input_file_id").GetString(), created.GetProperty("completion_window").GetString()));
        Assert.Equal("foxes", created.GetProperty("metadata").GetProperty("project").GetString());
        Assert.Equal(created.GetProperty("created_at").GetInt64() + 24 * 3600, created.GetProperty("expires_at").GetInt64());
        Assert.InRange(created.GetProperty("created_at").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        var batch = await WaitAsync(client, created.GetProperty("id").GetString()!, "completed", "failed");
        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var counts = batch.GetProperty("request_counts");
        Assert.Equal((6, 2, 4), (counts.GetProperty("total").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));
        foreach (string stamp in new[] { "in_progress_at", "finalizing_at", "completed_at" })
            Assert.Equal(JsonValueKind.Number, batch.GetProperty(stamp).ValueKind);
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("failed_at").ValueKind);

        var output = await ContentAsync(client, batch.GetProperty("output_file_id").GetString()!);
        Assert.Equal(["two", "link"], output.Select(l => l.GetProperty("custom_id").GetString()));
        foreach (var line in output)
        {
            Assert.StartsWith("batch_req_", line.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
            Assert.Equal(200, line.GetProperty("response").GetProperty("status_code").GetInt32());
            Assert.StartsWith("job_", line.GetProperty("response").GetProperty("request_id").GetString(), StringComparison.Ordinal);
        }
        var two = output[0].GetProperty("response").GetProperty("body");
        Assert.Equal("png", two.GetProperty("output_format").GetString());
        var images = two.GetProperty("data").EnumerateArray().Select(d => Convert.FromBase64String(d.GetProperty("b64_json").GetString()!)).ToList();
        Assert.Equal(2, images.Count);
        Assert.All(images, png => Assert.Equal(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a }, png[..8]));
        Assert.Equal(["5", "6"], images.Select(png => OpenAiHttp.PngText(png)["seed"]));

        string url = output[1].GetProperty("response").GetProperty("body").GetProperty("data")[0].GetProperty("url").GetString()!;
        Assert.StartsWith(factory.BaseAddress!.ToString().TrimEnd('/') + "/api/artifacts/", url, StringComparison.Ordinal);
        using (var png = await client.GetAsync(new Uri(url)))
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);

        var errors = (await ContentAsync(client, batch.GetProperty("error_file_id").GetString()!)).ToDictionary(l => l.GetProperty("custom_id").GetString()!);
        Assert.Equal(["bad-size", "no-prompt", "untrained", "broken"], errors.Keys);
        (int Status, string? Param, string? Code) Answer(string id)
        {
            var response = errors[id].GetProperty("response");
            var error = response.GetProperty("body").GetProperty("error");
            return (response.GetProperty("status_code").GetInt32(), error.GetProperty("param").GetString(), error.GetProperty("code").GetString());
        }
        Assert.Equal((400, "size", null), Answer("bad-size"));
        Assert.Equal((400, "prompt", null), Answer("no-prompt"));
        Assert.Equal((409, "model", "model_not_ready"), Answer("untrained"));
        Assert.Equal((500, null, "generation_failed"), Answer("broken"));
        Assert.Contains("multiple of 16", errors["bad-size"].GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        // The output and error files are files too, with purpose batch_output.
        var outputFile = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/v1/files/{batch.GetProperty("output_file_id").GetString()}", UriKind.Relative))).RootElement;
        Assert.Equal("batch_output", outputFile.GetProperty("purpose").GetString());
    }

    [Fact]
    public async Task A_speech_batch_answers_with_the_file_in_the_asked_format_as_base64()
    {
        string jsonl = string.Join('\n',
            Line("wav", "/v1/audio/speech", new { model = TestModels.Speech, input = "Hello there.", voice = "alloy", response_format = "wav" }),
            Line("pcm", "/v1/audio/speech", new { model = TestModels.Speech, input = "Hello there.", voice = "alloy", response_format = "pcm" }),
            Line("streamed", "/v1/audio/speech", new { model = TestModels.Speech, input = "Hello.", stream_format = "sse" }));
        var created = await CreateAsync(client, await UploadAsync(client, jsonl), "/v1/audio/speech");
        var batch = await WaitAsync(client, created.GetProperty("id").GetString()!, "completed", "failed");
        Assert.Equal((3, 2, 1), (batch.GetProperty("request_counts").GetProperty("total").GetInt32(),
            batch.GetProperty("request_counts").GetProperty("completed").GetInt32(), batch.GetProperty("request_counts").GetProperty("failed").GetInt32()));

        var output = (await ContentAsync(client, batch.GetProperty("output_file_id").GetString()!)).ToDictionary(l => l.GetProperty("custom_id").GetString()!);
        var wav = output["wav"].GetProperty("response").GetProperty("body");
        Assert.Equal(("wav", "audio/wav"), (wav.GetProperty("response_format").GetString(), wav.GetProperty("content_type").GetString()));
        byte[] file = Convert.FromBase64String(wav.GetProperty("b64_audio").GetString()!);
        Assert.Equal("RIFF"u8.ToArray(), file[..4]);

        // The same request on the route itself gives the same bytes.
        using var direct = await OpenAiHttp.PostAsync(client, "/v1/audio/speech", new { model = TestModels.Speech, input = "Hello there.", voice = "alloy", response_format = "pcm" });
        var pcm = output["pcm"].GetProperty("response").GetProperty("body");
        Assert.Equal(await direct.Content.ReadAsByteArrayAsync(), Convert.FromBase64String(pcm.GetProperty("b64_audio").GetString()!));

        var error = Assert.Single(await ContentAsync(client, batch.GetProperty("error_file_id").GetString()!));
        Assert.Equal("stream_format", error.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Lines_of_the_wrong_shape_fail_the_batch_with_their_line_numbers_and_run_nothing()
    {
        string jsonl = string.Join('\n',
            Line("a", "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox" }),
            Line("b", "/v1/audio/speech", new { model = TestModels.Speech, input = "hi" }),
            Line("c", "/v1/images/generations", new { prompt = "a fox" }, method: "GET"),
            Line("a", "/v1/images/generations", new { prompt = "again" }),
            "{not json");
        var created = await CreateAsync(client, await UploadAsync(client, jsonl), "/v1/images/generations");
        var batch = await WaitAsync(client, created.GetProperty("id").GetString()!, "failed", "completed");
        Assert.Equal("failed", batch.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, batch.GetProperty("failed_at").ValueKind);
        var errors = batch.GetProperty("errors");
        Assert.Equal("list", errors.GetProperty("object").GetString());
        Assert.Equal([(2, "mismatched_url", "url"), (3, "invalid_method", "method"), (4, "duplicate_custom_id", "custom_id"), (5, "invalid_json", null)],
            errors.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("code").GetString()!, e.GetProperty("param").GetString())));
        using var jobs = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/jobs", UriKind.Relative)));
        Assert.Empty(jobs.RootElement.GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("{\"input_file_id\":\"FILE\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}", 400, "endpoint", "/v1/images/generations")]
    [InlineData("{\"input_file_id\":\"FILE\",\"endpoint\":\"/v1/audio/speech\",\"completion_window\":\"1h\"}", 400, "completion_window", "'24h'")]
    [InlineData("{\"input_file_id\":\"FILE\",\"endpoint\":\"/v1/audio/speech\"}", 400, "completion_window", "Missing required parameter")]
    [InlineData("{\"input_file_id\":\"file-nothing\",\"endpoint\":\"/v1/audio/speech\",\"completion_window\":\"24h\"}", 404, "input_file_id", "No such File object")]
    [InlineData("{\"input_file_id\":\"FILE\",\"endpoint\":\"/v1/audio/speech\",\"completion_window\":\"24h\",\"metadata\":{\"k\":1}}", 400, "metadata", "must be a string")]
    [InlineData("{\"input_file_id\":\"FILE\",\"endpoint\":\"/v1/audio/speech\",\"completion_window\":\"24h\",\"priority\":\"high\"}", 400, "priority", "Unrecognized request argument")]
    public async Task A_bad_batch_request_is_refused_in_OpenAI_error_shape(string body, int status, string param, string message)
    {
        string file = await UploadAsync(client, Line("a", "/v1/audio/speech", new { input = "hi" }));
        using var response = await client.PostAsync(new Uri("/v1/batches", UriKind.Relative),
            new StringContent(body.Replace("FILE", file, StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        var error = await OpenAiHttp.ErrorAsync(response, status);
        Assert.Equal(("invalid_request_error", param), (error.GetProperty("type").GetString(), error.GetProperty("param").GetString()));
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_metadata_pairs_and_an_output_file_as_input_are_refused()
    {
        string file = await UploadAsync(client, Line("a", "/v1/audio/speech", new { model = TestModels.Speech, input = "hi" }));
        var metadata = Enumerable.Range(0, 17).ToDictionary(i => $"k{i}", i => "v");
        using (var response = await OpenAiHttp.PostAsync(client, "/v1/batches", new { input_file_id = file, endpoint = "/v1/audio/speech", completion_window = "24h", metadata }))
            Assert.Equal("metadata", (await OpenAiHttp.ErrorAsync(response, 400)).GetProperty("param").GetString());

        var done = await WaitAsync(client, (await CreateAsync(client, file, "/v1/audio/speech")).GetProperty("id").GetString()!, "completed");
        using (var response = await OpenAiHttp.PostAsync(client, "/v1/batches",
            new { input_file_id = done.GetProperty("output_file_id").GetString(), endpoint = "/v1/audio/speech", completion_window = "24h" }))
        {
            var error = await OpenAiHttp.ErrorAsync(response, 400);
            Assert.Equal("input_file_id", error.GetProperty("param").GetString());
            Assert.Contains("batch_output", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cancelling_a_batch_ends_it_cancelled_with_its_unrun_requests_in_the_error_file()
    {
        var lines = Enumerable.Range(0, 6).Select(i => Line($"slow-{i}", "/v1/images/generations", new { model = TestModels.Slow, prompt = "slow" }));
        string id = (await CreateAsync(client, await UploadAsync(client, string.Join('\n', lines)), "/v1/images/generations")).GetProperty("id").GetString()!;
        await WaitAsync(client, id, "in_progress");
        using var cancel = await client.PostAsync(new Uri($"/v1/batches/{id}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Contains(JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString(), new[] { "cancelling", "cancelled" });
        var batch = await WaitAsync(client, id, "cancelled");
        Assert.Equal(JsonValueKind.Number, batch.GetProperty("cancelling_at").ValueKind);
        Assert.Equal(JsonValueKind.Number, batch.GetProperty("cancelled_at").ValueKind);
        var errors = await ContentAsync(client, batch.GetProperty("error_file_id").GetString()!);
        Assert.Equal(6 - (batch.GetProperty("output_file_id").ValueKind == JsonValueKind.Null ? 0 : (await ContentAsync(client, batch.GetProperty("output_file_id").GetString()!)).Count), errors.Count);
        Assert.All(errors, e =>
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("response").ValueKind);
            Assert.Equal("batch_cancelled", e.GetProperty("error").GetProperty("code").GetString());
        });
    }

    [Fact]
    public async Task Files_are_listed_by_purpose_and_order_downloaded_and_deleted()
    {
        string first = await UploadAsync(client, Line("a", "/v1/audio/speech", new { input = "one" }));
        string second = await UploadAsync(client, Line("a", "/v1/audio/speech", new { input = "two" }));
        using (var list = JsonDocument.Parse(await client.GetStringAsync(new Uri("/v1/files?purpose=batch&order=asc", UriKind.Relative))))
        {
            Assert.Equal("list", list.RootElement.GetProperty("object").GetString());
            Assert.Equal([first, second], list.RootElement.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
            Assert.Equal((first, second, false), (list.RootElement.GetProperty("first_id").GetString(), list.RootElement.GetProperty("last_id").GetString(), list.RootElement.GetProperty("has_more").GetBoolean()));
        }
        using (var page = JsonDocument.Parse(await client.GetStringAsync(new Uri("/v1/files?limit=1", UriKind.Relative))))
        {
            Assert.Equal([second], page.RootElement.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
            Assert.True(page.RootElement.GetProperty("has_more").GetBoolean());
        }
        Assert.Equal("two", (await ContentAsync(client, second))[0].GetProperty("body").GetProperty("input").GetString());

        using (var deleted = await client.DeleteAsync(new Uri($"/v1/files/{first}", UriKind.Relative)))
        {
            var body = JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal((first, "file", true), (body.GetProperty("id").GetString(), body.GetProperty("object").GetString(), body.GetProperty("deleted").GetBoolean()));
        }
        foreach (string path in new[] { $"/v1/files/{first}", $"/v1/files/{first}/content" })
        {
            using var gone = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Contains("No such File object", (await OpenAiHttp.ErrorAsync(gone, 404)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        using var again = await client.DeleteAsync(new Uri($"/v1/files/{first}", UriKind.Relative));
        await OpenAiHttp.ErrorAsync(again, 404);
    }

    [Fact]
    public async Task An_upload_for_another_purpose_or_not_as_a_form_is_refused()
    {
        using var form = new MultipartFormDataContent { { new StringContent("fine-tune"), "purpose" }, { new ByteArrayContent("{}"u8.ToArray()), "file", "x.jsonl" } };
        using (var response = await client.PostAsync(new Uri("/v1/files", UriKind.Relative), form))
            Assert.Equal("purpose", (await OpenAiHttp.ErrorAsync(response, 400)).GetProperty("param").GetString());
        using (var response = await OpenAiHttp.PostAsync(client, "/v1/files", new { purpose = "batch" }))
            await OpenAiHttp.ErrorAsync(response, 415);
        using var noFile = new MultipartFormDataContent { { new StringContent("batch"), "purpose" } };
        using (var response = await client.PostAsync(new Uri("/v1/files", UriKind.Relative), noFile))
            Assert.Equal("file", (await OpenAiHttp.ErrorAsync(response, 400)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_two_batch_APIs_see_each_others_batches_only_where_the_shapes_fit()
    {
        var openAi = await CreateAsync(client, await UploadAsync(client, Line("a", "/v1/audio/speech", new { model = TestModels.Speech, input = "hi" })), "/v1/audio/speech");
        string openAiId = openAi.GetProperty("id").GetString()!;
        using var media = await client.PostAsync(new Uri("/api/batches", UriKind.Relative),
            new StringContent(JsonSerializer.Serialize(new { custom_id = "x", request = new { kind = "speech", model = TestModels.Speech, parameters = new { text = "hi" } } }), Encoding.UTF8, "application/jsonl"));
        string mediaId = JsonDocument.Parse(await media.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        using (var list = JsonDocument.Parse(await client.GetStringAsync(new Uri("/v1/batches", UriKind.Relative))))
            Assert.Equal([openAiId], list.RootElement.GetProperty("data").EnumerateArray().Select(b => b.GetProperty("id").GetString()));
        using (var other = await client.GetAsync(new Uri($"/v1/batches/{mediaId}", UriKind.Relative)))
            await OpenAiHttp.ErrorAsync(other, 404);
        // /api/batches shows every batch, an OpenAI one with its endpoint and artifact URLs.
        await WaitAsync(client, openAiId, "completed");
        var view = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/batches/{openAiId}", UriKind.Relative))).RootElement;
        Assert.Equal(("/v1/audio/speech", "completed"), (view.GetProperty("endpoint").GetString(), view.GetProperty("status").GetString()));
        var line = JsonDocument.Parse(await client.GetStringAsync(new Uri(view.GetProperty("output_file_url").GetString()!, UriKind.Relative))).RootElement;
        Assert.Equal("a", line.GetProperty("custom_id").GetString());
    }
}
