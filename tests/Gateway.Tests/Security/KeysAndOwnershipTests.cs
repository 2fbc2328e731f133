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

/// <summary>API keys over real HTTP and SignalR: who may read, follow and cancel which job, artifact and batch.</summary>
public sealed class KeysAndOwnershipTests(KeysAndOwnershipTests.Gateway gateway) : IClassFixture<KeysAndOwnershipTests.Gateway>
{
    /// <summary>One gateway for the class, keys required everywhere; every test makes keys of its own, so no test sees another's.</summary>
    public sealed class Gateway() : SharedGateway(null, new Dictionary<string, string?> { ["Media:Keys:Required"] = "Always" });

    readonly GatewayFactory factory = gateway.Factory;
    readonly HttpClient anonymous = gateway.Client;

    async Task<(HttpClient Client, string Token, ApiKey Key)> KeyAsync(string name, params string[] scopes)
    {
        var (key, token) = await factory.Services.GetRequiredService<ApiKeyService>().CreateAsync(name, scopes.Length > 0 ? scopes : [ApiKeyScopes.Jobs], CancellationToken.None);
        var client = new HttpClient { BaseAddress = factory.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, token, key);
    }

    static async Task<JsonElement> SubmitAsync(HttpClient client, string model = TestModels.Image, int steps = 2)
    {
        var response = await client.PostAsJsonAsync("/api/jobs", new { kind = "image", model, parameters = new { prompt = "a fox", steps } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static async Task<JsonElement> WaitFinishedAsync(HttpClient client, string id)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(15); await Task.Delay(20))
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            if (job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled") return job;
        }
        throw new TimeoutException($"job {id} did not finish");
    }

    [Fact]
    public async Task Another_keys_jobs_artifacts_and_events_are_not_found_and_its_list_does_not_show_them()
    {
        var (alice, _, _) = await KeyAsync("alice");
        var (bob, _, _) = await KeyAsync("bob");
        var (admin, _, _) = await KeyAsync("operator", ApiKeyScopes.Admin);
        using var a = alice; using var b = bob; using var o = admin;

        string id = (await SubmitAsync(alice)).GetProperty("id").GetString()!;
        var finished = await WaitFinishedAsync(alice, id);
        string artifact = finished.GetProperty("artifacts")[0].GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/artifacts/{artifact}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/jobs/{id}/events")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/artifacts/{artifact}")).StatusCode);
        var bobsList = await bob.GetFromJsonAsync<JsonElement>("/api/jobs");
        Assert.Equal(0, bobsList.GetProperty("data").GetArrayLength());

        var alicesList = await alice.GetFromJsonAsync<JsonElement>("/api/jobs");
        Assert.Equal([id], alicesList.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        // An admin sees everyone's.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/artifacts/{artifact}")).StatusCode);
    }

    [Fact]
    public async Task Another_keys_OpenAI_files_and_batches_are_not_found_cannot_be_used_and_are_not_listed()
    {
        var (alice, _, _) = await KeyAsync("alice");
        var (bob, _, _) = await KeyAsync("bob");
        using var a = alice; using var b = bob;
        string line = OpenAiBatchesTests.Line("one", "/v1/images/generations", new { model = TestModels.Image, prompt = "a fox" });
        string file = await OpenAiBatchesTests.UploadAsync(alice, line + "\n");

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/files/{file}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/files/{file}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/v1/files/{file}")).StatusCode);
        Assert.Equal(0, (await bob.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").GetArrayLength());
        // Bob cannot start a batch over Alice's upload either.
        var stolen = await bob.PostAsJsonAsync("/v1/batches", new { input_file_id = file, endpoint = "/v1/images/generations", completion_window = "24h" });
        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);

        var batch = await OpenAiBatchesTests.CreateAsync(alice, file, "/v1/images/generations");
        string id = batch.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/batches/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/v1/batches/{id}/cancel", null)).StatusCode);
        Assert.Equal(0, (await bob.GetFromJsonAsync<JsonElement>("/v1/batches")).GetProperty("data").GetArrayLength());

        var done = await OpenAiBatchesTests.WaitAsync(alice, id, "completed");
        string output = done.GetProperty("output_file_id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/files/{output}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/v1/files/{output}/content")).StatusCode);
        Assert.Equal([file], (await alice.GetFromJsonAsync<JsonElement>("/v1/files?purpose=batch")).GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Another_keys_batch_is_not_found_cannot_be_cancelled_and_is_not_listed()
    {
        var (alice, _, _) = await KeyAsync("alice");
        var (bob, _, _) = await KeyAsync("bob");
        using var a = alice; using var b = bob;
        string line = JsonSerializer.Serialize(new { custom_id = "one", request = new { kind = "image", model = TestModels.Image, parameters = new { prompt = "a fox", steps = 1 } } });
        var created = await alice.PostAsync("/api/batches", new StringContent(line + "\n", null, "application/jsonl"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        string id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/batches/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/batches/{id}/cancel", null)).StatusCode);
        Assert.Equal(0, (await bob.GetFromJsonAsync<JsonElement>("/api/batches")).GetProperty("data").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/batches/{id}")).StatusCode);
        Assert.Equal(1, (await alice.GetFromJsonAsync<JsonElement>("/api/batches")).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Without_a_valid_key_the_api_answers_401_and_a_revoked_key_stops_working()
    {
        var missing = await anonymous.GetAsync("/api/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { Authorization = new("Bearer", "media-not-a-key") } };
        var refused = await anonymous.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());

        var (client, _, key) = await KeyAsync("soon revoked");
        using var _ = client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
        Assert.True(await factory.Services.GetRequiredService<ApiKeyService>().RevokeAsync(key.Id, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/jobs")).StatusCode);

        // The web app's pages and the health check stay public.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Metrics_need_the_admin_scope()
    {
        var (jobsOnly, _, _) = await KeyAsync("jobs only");
        var (admin, _, _) = await KeyAsync("operator", ApiKeyScopes.Admin);
        using var j = jobsOnly; using var o = admin;
        Assert.Equal(HttpStatusCode.Forbidden, (await jobsOnly.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task On_the_hub_another_keys_job_cannot_be_streamed_read_or_cancelled()
    {
        var (_, aliceToken, _) = await KeyAsync("alice");
        var (_, bobToken, _) = await KeyAsync("bob");
        await using var alice = await ConnectAsync(aliceToken);
        await using var bob = await ConnectAsync(bobToken);
        var job = await alice.InvokeAsync<HubJob>("Submit", new HubJobRequest { Kind = "image", Model = TestModels.Slow, Parameters = new() { ["prompt"] = "a fox", ["steps"] = 20 } });

        var stream = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in bob.StreamAsync<Media.Hosting.Jobs.JobEvent>("Stream", job.Id, 0L)) { }
        });
        Assert.Contains("No job with id", stream.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync<HubJob>("Cancel", job.Id));
        await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync<HubJob>("GetJob", job.Id));
        Assert.NotEqual("cancelled", (await alice.InvokeAsync<HubJob>("GetJob", job.Id)).Status);
        // Its owner still can (a running job answers running and stops at its next step).
        Assert.Contains((await alice.InvokeAsync<HubJob>("Cancel", job.Id)).Status, new[] { "cancelled", "running" });

        // Without a token the hub refuses the connection itself.
        var anonymous = new HubConnectionBuilder().WithUrl(new Uri(factory.BaseAddress!, "/hubs/media")).Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    async Task<HubConnection> ConnectAsync(string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.BaseAddress!, "/hubs/media"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
