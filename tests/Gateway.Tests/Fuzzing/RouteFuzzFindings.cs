using System.Net.Http.Headers;
using System.Text;

namespace Media.Gateway.Tests.Fuzzing;

/// <summary>Inputs the route fuzzers found, kept as they were found (docs/SECURITY.md, "Findings").</summary>
public sealed class RouteFuzzFindings(FuzzGateway gateway) : IClassFixture<FuzzGateway>
{
    // Fuzz finding 2 (openai-files, seed ca_bikTfWHa5): a multipart body cut inside the file part, before its closing
    // boundary. ReadFormAsync throws IOException ("Unexpected end of Stream"), which only InvalidDataException was caught for: 500.
    const string CutForm =
        "--fuzzboundary\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
        + "--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"requests.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
        + "{\"custom_id\":\"a\",\"metho";

    [Theory]
    [InlineData("/v1/files")]
    [InlineData("/api/batches")]
    public async Task A_multipart_body_cut_before_its_closing_boundary_is_a_400(string path)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(CutForm));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=fuzzboundary");

        var (status, body) = await gateway.SendAsync(path, content);

        Assert.True((int)status == 400, $"{(int)status}: {body}");
        Assert.Contains("not a valid form", body, StringComparison.Ordinal);
    }
}
