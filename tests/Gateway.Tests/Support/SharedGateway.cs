using Microsoft.Extensions.DependencyInjection;

namespace Media.Gateway.Tests;

/// <summary>
/// One gateway with the test generators on Kestrel, shared by the tests of a class (<c>IClassFixture</c>) that need no fresh
/// store: starting a host per test was most of the gateway tests' time. A subclass may prepare the factory before it starts.
/// </summary>
public class SharedGateway : IDisposable
{
    public SharedGateway() : this(null) { }

    protected SharedGateway(Action<GatewayFactory>? prepare, IDictionary<string, string?>? settings = null)
    {
        Factory = new GatewayFactory(null, testModels: true, settings);
        prepare?.Invoke(Factory);
        Client = Factory.StartKestrel();
    }

    public GatewayFactory Factory { get; }

    /// <summary>A client of its own for one test, sending a new key of <paramref name="scopes"/> (jobs by default), so what the
    /// test lists (jobs, files, batches) is its own even though the gateway is shared.</summary>
    public HttpClient ClientWithNewKey(params string[] scopes)
    {
        var (_, token) = Factory.Services.GetRequiredService<Media.Hosting.Keys.ApiKeyService>()
            .CreateAsync("test", scopes.Length > 0 ? scopes : [Media.Hosting.Keys.ApiKeyScopes.Jobs], CancellationToken.None).GetAwaiter().GetResult();
        var client = new HttpClient { BaseAddress = Factory.BaseAddress, Timeout = Client.Timeout };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        Client.Dispose();
        Factory.Dispose();
    }
}
