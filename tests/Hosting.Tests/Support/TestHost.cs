using Media.Hosting.Jobs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Media.Hosting.Tests.Support;

/// <summary>A worker host (the same registrations as a service process) over a data folder that outlives it.</summary>
public sealed class TestHost : IAsyncDisposable
{
    readonly IHost host;

    TestHost(IHost host, TestModels models)
    {
        this.host = host;
        Models = models;
    }

    public TestModels Models { get; }

    public JobService Jobs => host.Services.GetRequiredService<JobService>();

    public IServiceProvider Services => host.Services;

    public static async Task<TestHost> StartAsync(string root, IDictionary<string, string?>? settings = null)
    {
        string models = Path.Combine(root, "models");
        TestModels.WriteCheckpoints(models);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:DataDirectory"] = Path.Combine(root, "data"),
            ["Media:ModelsDirectory"] = models,
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMediaHosting();
        var testModels = new TestModels();
        testModels.Register(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new TestHost(host, testModels);
    }

    /// <summary>Waits until the job reaches a finished status (or fails the test after 10 s).</summary>
    public async Task<Job> WaitFinishedAsync(string id)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var job = await Jobs.GetAsync(id, CancellationToken.None);
            if (job is not null && JobStateMachine.IsTerminal(job.Status)) return job;
            await Task.Delay(10);
        }
        throw new TimeoutException($"job {id} did not finish");
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        SqliteConnection.ClearAllPools();
    }
}

/// <summary>A temporary folder deleted with the test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("media-hosting-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
