namespace Media.Hosting;

/// <summary>Where the service keeps its state, bound from configuration section <c>Media</c>.</summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Jobs database and artifacts; relative paths are under the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Which parts run in this process (see <see cref="MediaRole"/>).</summary>
    public MediaRole Role { get; set; } = MediaRole.Embedded;

    /// <summary>Where artifacts are written and read; empty: <c>artifacts</c> under the data folder. Scale-out: a folder every
    /// gateway and worker mounts (a shared volume).</summary>
    public string? ArtifactsDirectory { get; set; }

    /// <summary>Committed checkpoints (<c>models/&lt;name&gt;/</c>). Empty: the <c>models</c> folder of
    /// the checkout that contains the working directory or the program.</summary>
    public string? ModelsDirectory { get; set; }

    public string ResolveDataDirectory() => Path.GetFullPath(DataDirectory);

    public string ResolveArtifactsDirectory() =>
        string.IsNullOrWhiteSpace(ArtifactsDirectory) ? Path.Combine(ResolveDataDirectory(), "artifacts") : Path.GetFullPath(ArtifactsDirectory);

    public string ResolveModelsDirectory()
    {
        if (!string.IsNullOrWhiteSpace(ModelsDirectory)) return Path.GetFullPath(ModelsDirectory);
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Media.sln")))
                    return Path.Combine(dir.FullName, "models");
            }
        }
        return Path.GetFullPath("models");
    }
}
