using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Media.Hosting.Tests.Support;
using Media.Tests.Support.Fuzzing;
using Xunit.Abstractions;

namespace Media.Gateway.Tests.Fuzzing;

/// <summary>
/// The request parsers behind the HTTP routes, fuzzed through the routes themselves: the job request parser and the
/// job kinds' schemas (<c>POST /api/jobs</c>), OpenAI's images, speech, files and batches requests. Each target mutates
/// valid seeds structurally (JSON nodes replaced, removed, nested, hostile values) and at the byte level (raw bytes
/// sent as they are, invalid UTF-8 included). Property: never a 5xx; a refusal has the route's error shape.
/// </summary>
[Trait("Category", FuzzBudget.Category)]
public sealed class RouteFuzzTests(FuzzGateway gateway, ITestOutputHelper output) : IClassFixture<FuzzGateway>
{
    static readonly string[] JobSeeds =
    [
        $$$"""{"kind":"image","model":"{{{TestModels.Image}}}","parameters":{"prompt":"a red circle","steps":2,"seed":1}}""",
        $$$"""{"kind":"image","model":"{{{TestModels.Image}}}","parameters":{"prompt":"a fox","width":64,"height":64},"priority":"batch"}""",
        $$$"""{"kind":"speech","model":"{{{TestModels.Speech}}}","parameters":{"text":"Hello there. How are you?","steps":2}}""",
        """{"kind":"audio-decode","model":"media-codec","parameters":{"codes":[[1,2,3],[4,5,6]]}}""",
        """{"kind":"audio-encode","model":"media-codec","parameters":{"audio":"UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=","bandwidth_kbps":1.5}}""",
    ];

    static readonly string[] ImageSeeds =
    [
        $$"""{"model":"{{TestModels.Image}}","prompt":"a red circle","n":1,"size":"64x64","response_format":"b64_json"}""",
        $$"""{"model":"{{TestModels.Image}}","prompt":"a fox","output_format":"jpeg","output_compression":50,"quality":"low","seed":3}""",
        $$"""{"model":"{{TestModels.Image}}","prompt":"a fox","stream":true,"partial_images":2}""",
        """{"prompt":"a fox","size":"auto","response_format":"url","user":"u1"}""",
    ];

    static readonly string[] SpeechSeeds =
    [
        $$"""{"model":"{{TestModels.Speech}}","input":"Hello there.","voice":"alloy","response_format":"pcm"}""",
        $$"""{"model":"{{TestModels.Speech}}","input":"Hi.","voice":"alloy","speed":1.5,"seed":11,"response_format":"wav"}""",
        $$"""{"model":"{{TestModels.Speech}}","input":"One. Two.","voice":"alloy","stream_format":"sse","instructions":"calm"}""",
    ];

    /// <summary>Structured mutants as text, and byte-level mutants of the seeds sent as raw bytes (invalid UTF-8 included).</summary>
    static Gen<byte[]> Bodies(string[] seeds) => Gen.Frequency(
        (3, JsonMutations.Of(seeds).Select(Encoding.UTF8.GetBytes)),
        (1, ByteMutations.Of([.. seeds.Select(Encoding.UTF8.GetBytes)])));

    Task PostEach(string path, string[] seeds, long modest) =>
        FuzzProperty.CheckAsync(Bodies(seeds), async body => await gateway.SendAsync(path, FuzzGateway.Json(body)), modest, output,
            print: Encoding.UTF8.GetString);

    [Fact, Trait("FuzzTarget", "job-request")]
    public Task Job_requests_never_get_a_5xx() => PostEach("/api/jobs", JobSeeds, 300);

    [Fact, Trait("FuzzTarget", "openai-images")]
    public Task Image_generation_requests_never_get_a_5xx() => PostEach("/v1/images/generations", ImageSeeds, 150);

    [Fact, Trait("FuzzTarget", "openai-speech")]
    public Task Speech_requests_never_get_a_5xx() => PostEach("/v1/audio/speech", SpeechSeeds, 150);

    [Fact, Trait("FuzzTarget", "openai-batches")]
    public Task Batch_create_requests_never_get_a_5xx() => PostEach("/v1/batches",
    [
        $$"""{"input_file_id":"{{gateway.FileId}}","endpoint":"/v1/images/generations","completion_window":"24h"}""",
        $$$"""{"input_file_id":"{{{gateway.FileId}}}","endpoint":"/v1/audio/speech","completion_window":"24h","metadata":{"k":"v"}}""",
    ], 200);

    [Fact, Trait("FuzzTarget", "openai-files")]
    public Task File_uploads_never_get_a_5xx()
    {
        // The whole multipart body is mutated (boundaries, headers, field names, the file's bytes), under a fixed Content-Type.
        const string boundary = "fuzzboundary";
        string Form(string purpose, string name, string content) =>
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n"
            + $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/jsonl\r\n\r\n{content}\r\n--{boundary}--\r\n";
        string line = OpenAiBatchesTests.Line("a", "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox" });
        byte[][] seeds = [.. new[] { Form("batch", "requests.jsonl", line), Form("batch", "r.jsonl", line + "\n" + line.Replace("\"a\"", "\"b\"", StringComparison.Ordinal)), Form("fine-tune", "x.jsonl", "{}") }
            .Select(Encoding.UTF8.GetBytes)];
        return FuzzProperty.CheckAsync(ByteMutations.Of(seeds), async body =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
            await gateway.SendAsync("/v1/files", content);
        }, 300, output, print: Encoding.UTF8.GetString);
    }
}
