using Media.Gateway;

GatewayApplication.Build(args).Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
