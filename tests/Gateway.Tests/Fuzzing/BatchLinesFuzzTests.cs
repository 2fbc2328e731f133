using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Media.Hosting.Tests.Support;
using Media.Tests.Support.Fuzzing;
using Xunit.Abstractions;

namespace Media.Gateway.Tests.Fuzzing;

/// <summary>
/// JSONL batch input, both kinds: <c>POST /api/batches</c> lines (custom_id + job request) and OpenAI batch input files
/// (custom_id, method, url, body; uploaded to /v1/files, then POST /v1/batches). The lines are read after the batch is
/// accepted, so the property goes on past the answer: the create is never a 5xx, and the batch leaves <c>validating</c>
/// (failed with line errors, or in progress with its refused lines reported) — the batch runner never gets stuck on an input.
/// </summary>
[Trait("Category", FuzzBudget.Category)]
[Trait("FuzzTarget", "jsonl")]
public sealed class BatchLinesFuzzTests(FuzzGateway gateway, ITestOutputHelper output) : IClassFixture<FuzzGateway>
{
    static string JobLine(string id, string kind, string model, object parameters) =>
        JsonSerializer.Serialize(new { custom_id = id, request = new { kind, model, parameters } });

    static readonly string[] JobLines =
    [
        JobLine("a", "image", TestModels.Image, new { prompt = "a fox", steps = 2 }),
        JobLine("b", "speech", TestModels.Speech, new { text = "hello", steps = 2 }),
        JobLine("c", "image", "no-such-model", new { prompt = "x" }),
    ];

    static readonly string[] OpenAiLines =
    [
        OpenAiBatchesTests.Line("a", "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox", n = 2 }),
        OpenAiBatchesTests.Line("b", "/v1/images/generations", new { model = TestModels.Image, prompt = "a cat", size = "64x64" }),
        OpenAiBatchesTests.Line("c", "/v1/images/generations", new { prompt = "x", n = 99 }),
    ];

    /// <summary>A file of one to four mutated lines (each line mutated on its own, so a mutant is one JSON text per line).</summary>
    static Gen<string> Files(string[] lines) => JsonMutations.Of(lines).Select(l => l.Replace('\n', ' ').Replace('\r', ' ')).Array[1, 4]
        .Select(ls => string.Join('\n', ls));

    [Fact]
    public Task Api_batch_files_are_refused_or_leave_validating() =>
        FuzzProperty.CheckAsync(Files(JobLines), async file =>
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(file));
            content.Headers.ContentType = new("application/jsonl");
            var (status, body) = await gateway.SendAsync("/api/batches", content);
            if (status != HttpStatusCode.Accepted) return;
            string id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            await LeavesValidatingAsync($"/api/batches/{id}");
        }, 150, output, print: f => f);

    [Fact]
    public Task OpenAi_batch_input_files_are_refused_or_leave_validating() =>
        FuzzProperty.CheckAsync(Files(OpenAiLines), async file =>
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent("batch"), "purpose" },
                { new ByteArrayContent(Encoding.UTF8.GetBytes(file)), "file", "requests.jsonl" },
            };
            var (status, body) = await gateway.SendAsync("/v1/files", form);
            if (status != HttpStatusCode.OK) return;
            string fileId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            (status, body) = await gateway.SendAsync("/v1/batches", FuzzGateway.Json(JsonSerializer.Serialize(new
            {
                input_file_id = fileId, endpoint = "/v1/images/generations", completion_window = "24h",
            })));
            if (status != HttpStatusCode.OK) return;
            await LeavesValidatingAsync($"/v1/batches/{JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()}");
        }, 150, output, print: f => f);

    async Task LeavesValidatingAsync(string path)
    {
        for (int i = 0; i < 1000; i++)
        {
            using var response = await gateway.Client.GetAsync(new Uri(path, UriKind.Relative));
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
            if (JsonDocument.Parse(text).RootElement.GetProperty("status").GetString() != "validating") return;
            await Task.Delay(10);
        }
        Assert.Fail($"{path} stayed validating for 10 s");
    }
}
