namespace Media.LocalCluster;

/// <summary>
/// The checkout's built programs, found upwards from the running program (a test or the CLI, built in the same
/// configuration): the gateway (<c>gateway/bin/…/Media.Gateway.dll</c>) and the image worker
/// (<c>services/Image/bin/…/Media.Services.Image.dll</c>), which build with every project that references them.
/// </summary>
public static class BuiltPrograms
{
    /// <summary>The folder holding Media.sln.</summary>
    public static string Checkout { get; } = FindCheckout();

    /// <summary>Release or Debug: the configuration the running program was built in (Release when that cannot be told).</summary>
    public static string Configuration { get; } = FindConfiguration();

    public static string Gateway => Program(Path.Combine("gateway"), "Media.Gateway.dll");

    public static string ImageWorker => Program(Path.Combine("services", "Image"), "Media.Services.Image.dll");

    /// <summary>The committed models (<c>models/</c>).</summary>
    public static string Models => Path.Combine(Checkout, "models");

    static string Program(string project, string dll)
    {
        string path = Path.Combine(Checkout, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException(
            $"{path} is not built: dotnet build {project.Replace('\\', '/')} -c {Configuration}", path);
    }

    static string FindCheckout()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Media.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No Media.sln above {AppContext.BaseDirectory}: run from a build inside the checkout.");
    }

    static string FindConfiguration()
    {
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        int bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
    }
}
