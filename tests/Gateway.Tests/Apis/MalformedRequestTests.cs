using System.Net;
using System.Net.Http.Json;
using System.Text;
using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests;

/// <summary>Bad input of every kind gets a 4xx problem, and the service goes on working.</summary>
public sealed class MalformedRequestTests : IDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true, new Dictionary<string, string?> { ["Media:Jobs:MaxRequestBytes"] = "4096" });
    readonly HttpClient client;

    public MalformedRequestTests() => client = factory.StartKestrel();

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    static HttpRequestMessage Json(string body, string path = "/api/jobs", string contentType = "application/json") =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    static IEnumerable<HttpRequestMessage> Malformed()
    {
        const string m = TestModels.Image;
        string[] bodies =
        [
            "", "{", "not json", "[]", "{}",
            """{"kind":"image"}""",
            $$$"""{"model":"{{{m}}}","parameters":{"prompt":"x"}}""",
            $$$"""{"kind":"image","model":"{{{m}}}"}""",
            $$$"""{"kind":"painting","model":"{{{m}}}","parameters":{"prompt":"x"}}""",
            $$$"""{"kind":7,"model":"{{{m}}}","parameters":{"prompt":"x"}}""",
            """{"kind":"image","model":"Bad Model!","parameters":{"prompt":"x"}}""",
            """{"kind":"image","model":"","parameters":{"prompt":"x"}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":"prompt"}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":""}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":null}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","width":100}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","width":4096}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","width":"wide"}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","steps":0}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","steps":2.5}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","seed":-5}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","seed":1e300}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","top_p":2}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","guidance_scale":-1}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x","sampler":"ddim"}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x"},"priority":"urgent"}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x"},"extra":true}""",
            $$$"""{"kind":"speech","model":"{{{m}}}","parameters":{"text":"x"}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"{{{new string('a', 2001)}}}"}}""",
            $$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"{{{new string('a', 5000)}}}"}}""",
            """{"kind":"image","model":"no-such-model","parameters":{"prompt":"x"}}""",
            """{"kind":"image","model":"token-shuffle","parameters":{"prompt":"x"}}""",
            $$$"""{"kind":"speech","model":"{{{TestModels.Speech}}}","parameters":{"text":"x","speed":10}}""",
            $$$"""{"kind":"audio-decode","model":"media-codec","parameters":{"codes":[[1],[2,3]]}}""",
            new string('[', 100) + new string(']', 100),
        ];
        foreach (string body in bodies) yield return Json(body);
        yield return Json($$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x"}}""", contentType: "text/plain");
        var badKey = Json($$$"""{"kind":"image","model":"{{{m}}}","parameters":{"prompt":"x"}}""");
        badKey.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 300));
        yield return badKey;
        yield return Get("/api/jobs/job_00000000000000000000000000000000");
        yield return Get("/api/jobs?status=done");
        yield return Get("/api/jobs?limit=0");
        yield return Get("/api/jobs?limit=abc");
        yield return Get("/api/jobs?kind=painting");
        yield return Get("/api/jobs?after=../x");
        yield return Get("/api/artifacts/../../etc/passwd");
        yield return Get("/api/artifacts/0000000000000000000000000000000000000000000000000000000000000000");
        yield return Get("/api/jobs/nope/events");
        yield return new HttpRequestMessage(HttpMethod.Delete, "/api/jobs/nope");
        yield return Json("", "/api/batches", "application/jsonl");
        yield return Get("/api/batches/batch_nope");
    }

    [Fact]
    public async Task Fifty_malformed_requests_each_get_a_4xx_and_the_service_stays_healthy()
    {
        var requests = Malformed().ToList();
        Assert.Equal(50, requests.Count);
        foreach (var request in requests)
        {
            string what = $"{request.Method} {request.RequestUri}";
            using var response = await client.SendAsync(request);
            int status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500, $"{what}: {status} {await response.Content.ReadAsStringAsync()}");
            if (status != 404 || request.RequestUri!.OriginalString.StartsWith("/api/", StringComparison.Ordinal))
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            request.Dispose();
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        var job = await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "after the storm" } });
        Assert.Equal("succeeded", (await JobsApiTests.WaitFinishedAsync(client, job.GetProperty("id").GetString()!)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Invalid_fields_are_named_in_a_validation_problem_and_oversized_bodies_get_413()
    {
        using var invalid = await client.SendAsync(Json($$$"""{"kind":"image","model":"{{{TestModels.Image}}}","parameters":{"prompt":"x","width":100,"top_p":2}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using var problem = System.Text.Json.JsonDocument.Parse(await invalid.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal(["parameters.top_p", "parameters.width"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));

        using var large = await client.SendAsync(Json($$$"""{"kind":"image","model":"{{{TestModels.Image}}}","parameters":{"prompt":"{{{new string('a', 5000)}}}"}}"""));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }

    [Fact]
    public async Task A_speech_prompt_clip_without_its_transcript_is_a_validation_problem()
    {
        using var half = await client.SendAsync(Json($$$"""{"kind":"speech","model":"{{{TestModels.Speech}}}","parameters":{"text":"x","prompt_audio":"UklGRg=="}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, half.StatusCode);
        Assert.Equal("application/problem+json", half.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await half.Content.ReadAsStringAsync());
        var error = Assert.Single(problem.RootElement.GetProperty("errors").EnumerateObject());
        Assert.Equal("parameters.prompt_text", error.Name);
        Assert.Equal("is required with prompt_audio", error.Value[0].GetString());
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_Retry_After()
    {
        using var factory = new GatewayFactory(null, testModels: true, new Dictionary<string, string?> { ["Media:Jobs:QueueCapacity"] = "1", ["Media:Jobs:RetryAfterSeconds"] = "3" });
        using var client = factory.StartKestrel();
        var running = await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "slow", steps = 20 } });
        string runningId = running.GetProperty("id").GetString()!;
        await SseClient.ReadAsync(client, runningId, stopAfter: 2); // started: it left the queue
        await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "waits" } });
        using var full = await client.PostAsJsonAsync("/api/jobs", new { kind = "image", model = TestModels.Image, parameters = new { prompt = "no room" } });
        Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), full.Headers.RetryAfter?.Delta);
        await client.DeleteAsync(new Uri($"/api/jobs/{runningId}", UriKind.Relative));
    }
}
