namespace Media.Hosting.Tests.Contracts;

/// <summary>One redis-server and one PostgreSQL for every scale-out test class of this assembly (started on first use).</summary>
[CollectionDefinition(Name)]
public sealed class LocalServersGroup : ICollectionFixture<LocalServers>
{
    public const string Name = "local servers";
}
