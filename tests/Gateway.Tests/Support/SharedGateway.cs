namespace Media.Gateway.Tests;

/// <summary>
/// One gateway with the test generators on Kestrel, shared by the tests of a class (<c>IClassFixture</c>) that need no fresh
/// store: starting a host per test was most of the gateway tests' time. A subclass may prepare the factory before it starts.
/// </summary>
public class SharedGateway : IDisposable
{
    public SharedGateway() : this(null) { }

    protected SharedGateway(Action<GatewayFactory>? prepare)
    {
        Factory = new GatewayFactory(null, testModels: true);
        prepare?.Invoke(Factory);
        Client = Factory.StartKestrel();
    }

    public GatewayFactory Factory { get; }

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
