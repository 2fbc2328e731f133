namespace Media.Hosting;

/// <summary>Where the service keeps its state, bound from configuration section <c>Media</c>.</summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Jobs database and artifacts; relative paths are under the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Committed checkpoints (<c>models/&lt;name&gt;/</c>). Empty: the <c>models</c> folder of
    /// the checkout that contains the working directory or the program.</summary>
    public string? ModelsDirectory { get; set; }

    public string ResolveDataDirectory() => Path.GetFullPath(DataDirectory);

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
