namespace Media.Tests.Support;

/// <summary>The checkout's models/ folder (the committed weights), found above the test binaries.</summary>
public static class CommittedModels
{
    public static string Folder { get; } = Find();

    /// <summary>The folder of one committed model, e.g. <c>Path("image-vq")</c>.</summary>
    public static string Path(string name) => System.IO.Path.Combine(Folder, name);

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Media.sln"))) return System.IO.Path.Combine(dir.FullName, "models");
        throw new DirectoryNotFoundException("Media.sln not found above the test binaries.");
    }
}
