namespace Media.Gateway.Tests.ScaleOut;

/// <summary>One redis-server and one PostgreSQL for the scale-out tests of this assembly; each test makes its own database and key prefix.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterGroup : ICollectionFixture<LocalServers>
{
    public const string Name = "scale-out cluster";
}
