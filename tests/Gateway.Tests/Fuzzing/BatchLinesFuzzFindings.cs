using System.Net;
using System.Text;
using System.Text.Json;

namespace Media.Gateway.Tests.Fuzzing;

/// <summary>Batch input lines the JSONL fuzzer found, kept as they were found (docs/SECURITY.md, "Findings").</summary>
public sealed class BatchLinesFuzzFindings(FuzzGateway gateway) : IClassFixture<FuzzGateway>
{
    async Task<JsonElement> FinishedValidatingAsync(string path)
    {
        for (int i = 0; i < 500; i++)
        {
            var batch = JsonDocument.Parse(await gateway.Client.GetStringAsync(new Uri(path, UriKind.Relative))).RootElement.Clone();
            if (batch.GetProperty("status").GetString() != "validating") return batch;
            await Task.Delay(10);
        }
        throw new TimeoutException($"{path} stayed validating");
    }

    [Fact]
    public async Task An_api_batch_line_with_a_lone_surrogate_custom_id_fails_the_batch_with_the_line_named()
    {
        // Fuzz finding 4 (jsonl, seed c2scwPlgjT75): the batch stayed validating for ever; the runner failed to store it on every tick.
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"custom_id":"\ud800","request":{"kind":"speech","model":"test-speech","parameters":"b64_json"}}"""));
        content.Headers.ContentType = new("application/jsonl");
        var (status, body) = await gateway.SendAsync("/api/batches", content);
        Assert.Equal(HttpStatusCode.Accepted, status);

        var batch = await FinishedValidatingAsync($"/api/batches/{JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()}");

        Assert.Equal("failed", batch.GetProperty("status").GetString());
        var error = Assert.Single(batch.GetProperty("errors").GetProperty("data").EnumerateArray());
        Assert.Equal(("invalid_text", 1), (error.GetProperty("code").GetString(), error.GetProperty("line").GetInt32()));
        Assert.Contains("line.custom_id is not valid Unicode", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_openai_batch_line_with_a_lone_surrogate_in_its_body_fails_the_batch_with_the_field_named()
    {
        // Fuzz finding 5 (jsonl, seed 82WeWAK1sqk1): the same, with the lone surrogate in the body's size.
        string fileId = await OpenAiBatchesTests.UploadAsync(gateway.Client,
            """{"custom_id":"b","method":"POST","url":"/v1/images/generations","body":{"model":"test-image","prompt":"a cat","size":"a\udfff"}}""");
        var created = await OpenAiBatchesTests.CreateAsync(gateway.Client, fileId, "/v1/images/generations");

        var batch = await FinishedValidatingAsync($"/v1/batches/{created.GetProperty("id").GetString()}");

        Assert.Equal("failed", batch.GetProperty("status").GetString());
        var error = Assert.Single(batch.GetProperty("errors").GetProperty("data").EnumerateArray());
        Assert.Equal(("invalid_text", "body.size"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
    }
}
