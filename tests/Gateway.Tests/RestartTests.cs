using Media.Hosting.Tests.Support;

namespace Media.Gateway.Tests;

/// <summary>The gateway stopped and started again over the same data folder (store and queues rebuilt from the SQLite file).</summary>
[Slow("restarts the gateway host")]
public sealed class RestartTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("media-restart-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task A_queued_job_survives_a_restart_and_completes_after_it()
    {
        string runningId, queuedId;
        using (var before = new GatewayFactory(root, testModels: true))
        using (var client = before.StartKestrel())
        {
            runningId = (await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Slow, parameters = new { prompt = "long", steps = 8 } })).GetProperty("id").GetString()!;
            await SseClient.ReadAsync(client, runningId, stopAfter: 3); // running, one step done
            queuedId = (await JobsApiTests.SubmitAsync(client, new { kind = "image", model = TestModels.Image, parameters = new { prompt = "waiting" } })).GetProperty("id").GetString()!;
            var job = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{queuedId}", UriKind.Relative))).RootElement;
            Assert.Equal(("queued", 0), (job.GetProperty("status").GetString(), job.GetProperty("queue_position").GetInt32()));
        }

        using var after = new GatewayFactory(root, testModels: true);
        using var again = after.StartKestrel();
        var queued = await JobsApiTests.WaitFinishedAsync(again, queuedId);
        var interrupted = await JobsApiTests.WaitFinishedAsync(again, runningId);
        Assert.Equal(("succeeded", "succeeded"), (queued.GetProperty("status").GetString(), interrupted.GetProperty("status").GetString()));

        var events = await SseClient.ReadAsync(again, queuedId);
        Assert.Equal(["queued", "started"], events.Take(2).Select(e => e.Type));
        Assert.Equal("completed", events[^1].Type);
        var resumed = await SseClient.ReadAsync(again, runningId);
        Assert.Equal(Enumerable.Range(1, resumed.Count).Select(i => (long)i), resumed.Select(e => e.Id));
        Assert.True(2 == resumed.Count(e => e.Type == "started"), string.Join(", ", resumed.Select(e => $"{e.Id}:{e.Type}:{e.Data}")));
    }

    [Fact]
    public async Task An_OpenAI_batch_in_progress_survives_a_restart_and_completes_with_its_files_after_it()
    {
        string batchId;
        var lines = Enumerable.Range(0, 4).Select(i => OpenAiBatchesTests.Line($"req-{i}", "/v1/images/generations", new { model = TestModels.Slow, prompt = $"slow {i}", n = 2 }));
        using (var before = new GatewayFactory(root, testModels: true))
        using (var client = before.StartKestrel())
        {
            string file = await OpenAiBatchesTests.UploadAsync(client, string.Join('\n', lines));
            batchId = (await OpenAiBatchesTests.CreateAsync(client, file, "/v1/images/generations")).GetProperty("id").GetString()!;
            await OpenAiBatchesTests.WaitAsync(client, batchId, "in_progress");
        }

        using var after = new GatewayFactory(root, testModels: true);
        using var again = after.StartKestrel();
        var batch = await OpenAiBatchesTests.WaitAsync(again, batchId, "completed", "failed");
        Assert.Equal(("completed", 4, 0), (batch.GetProperty("status").GetString(),
            batch.GetProperty("request_counts").GetProperty("completed").GetInt32(), batch.GetProperty("request_counts").GetProperty("failed").GetInt32()));
        var output = await OpenAiBatchesTests.ContentAsync(again, batch.GetProperty("output_file_id").GetString()!);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"req-{i}"), output.Select(l => l.GetProperty("custom_id").GetString()));
        Assert.All(output, l => Assert.Equal(2, l.GetProperty("response").GetProperty("body").GetProperty("data").GetArrayLength()));
        // Idempotent submission: the restart made no second set of jobs.
        using var jobs = System.Text.Json.JsonDocument.Parse(await again.GetStringAsync(new Uri("/api/jobs?limit=100", UriKind.Relative)));
        Assert.Equal(8, jobs.RootElement.GetProperty("data").GetArrayLength());
    }
}
