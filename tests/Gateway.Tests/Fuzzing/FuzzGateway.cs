using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests.Fuzzing;

/// <summary>
/// One gateway (in memory, test generators, keys optional as on loopback) that every HTTP fuzz target sends to, and
/// the property they share: no answer is a 5xx, and a refusal has the route's error shape — OpenAI's error JSON under
/// <c>/v1</c>, problem+json under <c>/api</c>.
/// </summary>
public sealed class FuzzGateway : IAsyncLifetime, IDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true, new Dictionary<string, string?>
    {
        // Room for the jobs that valid mutants queue, and test generators that finish fast.
        ["Media:Jobs:QueueCapacity"] = "256",
        ["Logging:LogLevel:Default"] = "Critical",
    });

    public HttpClient Client { get; private set; } = null!;

    /// <summary>An uploaded batch input file, for /v1/batches seeds.</summary>
    public string FileId { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Client = factory.CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(60);
        FileId = OpenAiBatchesTests.UploadAsync(Client, OpenAiBatchesTests.Line("a", "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox" }))
            .GetAwaiter().GetResult();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Client?.Dispose();
        factory.Dispose();
    }

    /// <summary>Sends <paramref name="body"/> and checks the shared property; returns the status and body text.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(string path, HttpContent body)
    {
        using var response = await Client.PostAsync(new Uri(path, UriKind.Relative), body);
        // Read to the end: a streamed answer (speech) fails late if it fails at all.
        string text = await response.Content.ReadAsStringAsync();
        int status = (int)response.StatusCode;
        Assert.True(status < 500, $"POST {path} answered {status}: {text}");
        if (status >= 400) AssertErrorShape(path, response, text);
        return (response.StatusCode, text);
    }

    internal static void AssertErrorShape(string path, HttpResponseMessage response, string text)
    {
        string? type = response.Content.Headers.ContentType?.MediaType;
        if (path.StartsWith("/v1", StringComparison.Ordinal))
        {
            Assert.True(type == "application/json", $"POST {path} {(int)response.StatusCode} is {type}: {text}");
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), text);
        }
        else
        {
            Assert.True(type == "application/problem+json", $"POST {path} {(int)response.StatusCode} is {type}: {text}");
            Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("title", out _), text);
        }
    }

    public static ByteArrayContent Json(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static ByteArrayContent Json(string text) => Json(Encoding.UTF8.GetBytes(text));
}
