using System.Net;
using System.Text;

namespace Media.Gateway.WebPages;

/// <summary>
/// Composes the web app's pages from one layout: <c>_layout.html</c> holds the head and the nav, each
/// page file its own <c>&lt;main&gt;</c> behind a front matter (<c>title:</c>, <c>script:</c>). The layout's
/// <c>{{title}}</c>, <c>{{script}}</c> and <c>{{body}}</c> take the page's, and the nav link to the page's
/// own address gets <c>aria-current="page"</c>. The result is plain HTML: the pages need no JavaScript to
/// read and no inline script or style, so the content security policy stays strict.
/// </summary>
internal static class WebPageComposer
{
    public const string LayoutFile = "_layout.html";

    /// <summary>Every page of <paramref name="folder"/> (each <c>*.html</c> but the layout), composed; a page or layout that does not fit fails here, at startup.</summary>
    public static ComposedPages Compose(string folder)
    {
        string layoutPath = Path.Combine(folder, LayoutFile);
        if (!File.Exists(layoutPath)) throw new FileNotFoundException($"The web app's layout is missing: {layoutPath}.", layoutPath);
        string layout = File.ReadAllText(layoutPath).ReplaceLineEndings("\n");
        var layoutTime = File.GetLastWriteTimeUtc(layoutPath);

        var pages = new Dictionary<string, ComposedPages.Page>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder, "*.html").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name == LayoutFile) continue;
            string html = ComposePage(layout, name, File.ReadAllText(path));
            // The later of the two edits: an edited layout or page changes the page's ETag and Last-Modified.
            var modified = File.GetLastWriteTimeUtc(path) > layoutTime ? File.GetLastWriteTimeUtc(path) : layoutTime;
            pages[name] = new ComposedPages.Page(name, Encoding.UTF8.GetBytes(html), new DateTimeOffset(modified));
        }
        if (pages.Count == 0) throw new InvalidDataException($"No web pages beside the layout in {folder}.");
        return new ComposedPages(pages);
    }

    /// <summary>The address a page is linked under: <c>index.html</c> is the site's root.</summary>
    public static string AddressOf(string name) => name == "index.html" ? "/" : "/" + name;

    /// <summary>One page: <paramref name="source"/> (front matter, then the body) inside <paramref name="layout"/>.</summary>
    public static string ComposePage(string layout, string name, string source)
    {
        var (fields, body) = ReadFrontMatter(name, source.ReplaceLineEndings("\n"));
        string html = layout
            .Replace("{{title}}", WebUtility.HtmlEncode(Required(fields, name, "title")), StringComparison.Ordinal)
            .Replace("{{script}}", WebUtility.HtmlEncode(Required(fields, name, "script")), StringComparison.Ordinal);
        html = ReplaceOnce(html, "{{body}}", body, $"The layout has no single {{{{body}}}} for {name}.");
        // The nav marks the page it is on; a page the nav does not list is a mistake in the layout.
        string link = $"<a href=\"{AddressOf(name)}\">";
        return ReplaceOnce(html, link, $"<a href=\"{AddressOf(name)}\" aria-current=\"page\">", $"The layout's nav has no single link {link} for {name}.");
    }

    static (Dictionary<string, string> Fields, string Body) ReadFrontMatter(string name, string source)
    {
        const string Fence = "---\n";
        int end = source.StartsWith(Fence, StringComparison.Ordinal) ? source.IndexOf("\n" + Fence, Fence.Length - 1, StringComparison.Ordinal) : -1;
        if (end < 0) throw new InvalidDataException($"{name} does not start with a front matter (---, title: ..., script: ..., ---).");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in source[Fence.Length..(end + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string key = colon > 0 ? line[..colon].Trim() : "";
            if (key is not ("title" or "script")) throw new InvalidDataException($"{name}: '{line}' is not a front matter field (title: or script:).");
            fields[key] = line[(colon + 1)..].Trim();
        }
        return (fields, source[(end + 1 + Fence.Length)..]);
    }

    static string Required(Dictionary<string, string> fields, string name, string key) =>
        fields.TryGetValue(key, out string? value) && value.Length > 0 ? value : throw new InvalidDataException($"{name} has no '{key}:' in its front matter.");

    static string ReplaceOnce(string text, string placeholder, string value, string error)
    {
        int at = text.IndexOf(placeholder, StringComparison.Ordinal);
        if (at < 0 || text.IndexOf(placeholder, at + placeholder.Length, StringComparison.Ordinal) >= 0) throw new InvalidDataException(error);
        return string.Concat(text.AsSpan(0, at), value, text.AsSpan(at + placeholder.Length));
    }
}
