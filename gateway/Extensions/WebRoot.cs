namespace Media.Gateway.Extensions;

/// <summary>Where the web app's files are, whatever the working directory the gateway starts in.</summary>
internal static class WebRoot
{
    /// <summary>
    /// <c>wwwroot</c> under the working directory when it has one (running from the project folder,
    /// where edits show at once), else the copy beside the program that the build makes.
    /// </summary>
    public static string Find()
    {
        string local = Path.Combine(Directory.GetCurrentDirectory(), "wwwroot");
        return Directory.Exists(local) ? local : Path.Combine(AppContext.BaseDirectory, "wwwroot");
    }
}
