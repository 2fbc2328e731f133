namespace Media.Hosting.Artifacts;

/// <summary>Where clients fetch an artifact (the gateway serves this route; batch output files link to it).</summary>
public static class ArtifactRoutes
{
    public const string Prefix = "/api/artifacts/";

    public static string Url(string id) => Prefix + id;
}
