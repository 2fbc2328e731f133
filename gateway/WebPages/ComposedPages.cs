using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Media.Gateway.WebPages;

/// <summary>
/// The composed pages as files, so the framework's static file middleware serves them exactly as it serves
/// wwwroot: content type from the name, ETag and Last-Modified, conditional and range requests, HEAD.
/// </summary>
internal sealed class ComposedPages(IReadOnlyDictionary<string, ComposedPages.Page> pages) : IFileProvider
{
    /// <summary>Page names (<c>index.html</c>, ...), as served under the site's root.</summary>
    public IEnumerable<string> Names => pages.Keys;

    public IFileInfo GetFileInfo(string subpath) =>
        pages.TryGetValue(subpath.TrimStart('/'), out var page) ? page : new NotFoundFileInfo(subpath);

    // The pages live at the root beside wwwroot's folders; wwwroot answers for the directory itself.
    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    // Composed once at startup: an edit shows after a restart.
    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    /// <summary>One composed page, held in memory.</summary>
    public sealed class Page(string name, byte[] content, DateTimeOffset lastModified) : IFileInfo
    {
        public bool Exists => true;
        public long Length => content.Length;
        public string? PhysicalPath => null;
        public string Name => name;
        public DateTimeOffset LastModified => lastModified;
        public bool IsDirectory => false;
        public Stream CreateReadStream() => new MemoryStream(content, writable: false);
    }
}
