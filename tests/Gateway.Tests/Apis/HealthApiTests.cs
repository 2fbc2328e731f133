using System.Net;
using System.Text.Json;
using Media.Hosting.Models;
using Media.Hosting.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary>/healthz and /readyz through ASP.NET Core health checks: liveness, and readiness from the tagged checks.</summary>
public sealed class HealthApiTests : IDisposable
{
    readonly GatewayFactory factory = new(null, testModels: true);
    readonly HttpClient client;

    public HealthApiTests() => client = factory.CreateClient();

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }

    async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync()
    {
        // Readiness waits for restart recovery, which runs as the host starts.
        for (int i = 0; ; i++)
        {
            var ready = await GetAsync("/readyz");
            if (ready.Body.GetProperty("checks").GetProperty("job-store").GetProperty("description").GetString()!.StartsWith("starting", StringComparison.Ordinal) && i < 200)
            {
                await Task.Delay(25);
                continue;
            }
            return ready;
        }
    }

    [Fact]
    public async Task Liveness_is_healthy_without_running_the_readiness_checks()
    {
        var (status, body) = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.False(body.TryGetProperty("checks", out _));
    }

    [Fact]
    public async Task Readiness_reports_the_job_store_the_model_catalog_and_the_queue_depths()
    {
        var (status, body) = await ReadyAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("job-store").GetProperty("status").GetString());
        var catalog = checks.GetProperty("model-catalog");
        Assert.Equal("healthy", catalog.GetProperty("status").GetString());
        Assert.Equal("available", catalog.GetProperty("data").GetProperty(TestModels.Image).GetString());
        Assert.Equal("missing", catalog.GetProperty("data").GetProperty("token-shuffle").GetString());
        Assert.Contains(body.GetProperty("queues").EnumerateArray(), q => q.GetProperty("family").GetString() == "image" && q.GetProperty("depth").GetInt32() == 0);
    }

    [Fact]
    public async Task A_model_that_failed_to_load_makes_readiness_degraded_but_still_ready()
    {
        await ReadyAsync();
        factory.Services.GetRequiredService<ModelCatalog>().Report(TestModels.Image, ModelState.Failed, "the weights do not match the config");
        var (status, body) = await GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        var catalog = body.GetProperty("checks").GetProperty("model-catalog");
        Assert.Equal("degraded", catalog.GetProperty("status").GetString());
        Assert.Contains("the weights do not match the config", catalog.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_store_that_cannot_answer_makes_readiness_503_while_liveness_stays_200()
    {
        await ReadyAsync();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(factory.Root, "data", "media.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE jobs RENAME TO jobs_gone";
            command.ExecuteNonQuery();
        }
        var (status, body) = await GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        var store = body.GetProperty("checks").GetProperty("job-store");
        Assert.Equal("unhealthy", store.GetProperty("status").GetString());
        Assert.StartsWith("job store unavailable", store.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/healthz")).Status);
    }
}
