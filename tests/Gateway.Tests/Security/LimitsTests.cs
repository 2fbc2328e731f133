using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Media.Hosting.Contracts;
using Media.Hosting.Keys;
using Media.Hosting.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests.Security;

/// <summary>Per-key request rates (ASP.NET Core's rate limiter) and per-key job quotas, each answered 429 with Retry-After.</summary>
public sealed class LimitsTests : IAsyncDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true, new Dictionary<string, string?> { ["Media:Keys:Required"] = "Always" });

    public LimitsTests() => factory.StartKestrel().Dispose();

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    async Task<HttpClient> ClientAsync(int? requestsPerMinute = null, int? maxActive = null, int? maxQueued = null)
    {
        var (_, token) = await factory.Services.GetRequiredService<ApiKeyService>()
            .CreateAsync("limited", [ApiKeyScopes.Jobs], CancellationToken.None, requestsPerMinute, maxActive, maxQueued);
        var client = new HttpClient { BaseAddress = factory.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Past_its_requests_per_minute_a_key_gets_429_with_Retry_After_in_the_routes_own_error_shape()
    {
        using var client = await ClientAsync(requestsPerMinute: 3);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);

        var limited = await client.GetAsync("/api/jobs");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        int seconds = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 20); // one request comes back every 60/3 s
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);

        var openAi = await client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
        Assert.True(openAi.Headers.Contains("Retry-After"));
        var error = (await openAi.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(("rate_limit_error", "rate_limit_exceeded"), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));

        // Another key has its own bucket.
        using var other = await ClientAsync(requestsPerMinute: 3);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task A_submission_past_the_keys_job_quota_gets_429_with_Retry_After_and_nothing_is_queued()
    {
        using var client = await ClientAsync(maxActive: 2, maxQueued: 5);
        object Body() => new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "a fox", steps = 40 } };
        var first = await client.PostAsJsonAsync("/api/jobs", Body());
        var second = await client.PostAsJsonAsync("/api/jobs", Body());
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));

        var third = await client.PostAsJsonAsync("/api/jobs", Body());
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.Contains("Retry-After"));
        Assert.Contains("2 unfinished jobs", (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/api/jobs")).GetProperty("data").GetArrayLength());

        // Once one is cancelled there is room again.
        string id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await client.DeleteAsync($"/api/jobs/{id}");
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(20))
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            if (job.GetProperty("status").GetString() == "cancelled") break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the cancelled job ends");
        }
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/jobs", Body())).StatusCode);
    }

    [Fact]
    public async Task The_queue_quota_counts_waiting_jobs()
    {
        using var client = await ClientAsync(maxActive: 10, maxQueued: 1);
        object Body() => new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "a fox", steps = 40 } };
        // The image worker runs one job at a time: the first runs, the second waits, the third would be a second waiting one.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/jobs", Body())).StatusCode);
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(20))
        {
            var list = await client.GetFromJsonAsync<JsonElement>("/api/jobs?status=running");
            if (list.GetProperty("data").GetArrayLength() == 1) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the first job starts");
        }
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/jobs", Body())).StatusCode);
        var third = await client.PostAsJsonAsync("/api/jobs", Body());
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("1 queued jobs", (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_its_requests_per_minute_a_keys_hub_calls_fail_with_a_HubException_saying_when_to_retry()
    {
        var (_, token) = await factory.Services.GetRequiredService<ApiKeyService>()
            .CreateAsync("hub", [ApiKeyScopes.Jobs], CancellationToken.None, requestsPerMinute: 4);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.BaseAddress!, "/hubs/media"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await hub.StartAsync();

        // Four calls fit in the key's minute (each answers "no such job"); the fifth is refused before the hub method runs.
        for (int i = 0; i < 4; i++)
            Assert.Contains("No job with id", (await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<HubJob>("GetJob", "job_none"))).Message, StringComparison.Ordinal);
        var limited = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<HubJob>("GetJob", "job_none"));

        Assert.Contains("rate limit exceeded", limited.Message, StringComparison.Ordinal);
        var seconds = System.Text.RegularExpressions.Regex.Match(limited.Message, @"retry after (\d+) s");
        Assert.True(seconds.Success, limited.Message);
        Assert.InRange(int.Parse(seconds.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 15); // one call comes back every 60/4 s
        // The connection stays usable: only the call was refused.
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }
}
