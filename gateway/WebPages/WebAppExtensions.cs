using Media.Gateway.Security;
using Microsoft.Extensions.FileProviders;

namespace Media.Gateway.WebPages;

internal static class WebAppExtensions
{
    /// <summary>The folder of the page sources: <c>WebPages</c> beside the web root (the project folder's, or the copy the build makes).</summary>
    public static string PagesFolder(string webRootPath) => Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(webRootPath))!, "WebPages");

    /// <summary>
    /// The web app: its pages composed once here (see <see cref="WebPageComposer"/>), served at <c>/</c>,
    /// <c>/index.html</c>, <c>/speech.html</c>, ... in front of wwwroot's scripts, styles and bundled SignalR
    /// client; all public, all under the web app's content security policy.
    /// </summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        var pages = WebPageComposer.Compose(PagesFolder(app.Environment.WebRootPath));
        var files = new CompositeFileProvider(pages, app.Environment.WebRootFileProvider);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });   // / serves index.html
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, OnPrepareResponse = SecurityHeaders.OnWebAppFile });
        return app;
    }
}
