using System.Net;
using System.Text.RegularExpressions;
using Media.Gateway.WebPages;

namespace Media.Gateway.Tests.WebPages;

/// <summary>The web app's five pages, composed from one layout: each with the shared nav, its own title and active item, served as static files are.</summary>
public sealed partial class WebPagesTests(WebPagesTests.Gateway gateway) : IClassFixture<WebPagesTests.Gateway>
{
    static readonly string[] NavLinks = ["/", "/mix.html", "/speech.html", "/edit.html", "/song.html", "/batch.html", "/history.html"];
    readonly HttpClient client = gateway.Client;

    /// <summary>One gateway for the class: its tests only read the pages.</summary>
    public sealed class Gateway : IDisposable
    {
        readonly GatewayFactory factory = new();

        public Gateway() => Client = factory.CreateClient();

        public HttpClient Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            factory.Dispose();
        }
    }

    [Theory]
    [InlineData("/", "/", "Image")]
    [InlineData("/index.html", "/", "Image")]
    [InlineData("/mix.html", "/mix.html", "Mix")]
    [InlineData("/speech.html", "/speech.html", "Speech")]
    [InlineData("/edit.html", "/edit.html", "Edit speech")]
    [InlineData("/song.html", "/song.html", "Song")]
    [InlineData("/batch.html", "/batch.html", "Batch")]
    [InlineData("/history.html", "/history.html", "History")]
    public async Task Each_page_has_the_shared_nav_its_own_title_and_its_own_item_marked(string path, string link, string title)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal($"{title} · Media", TitleTag().Match(html).Groups[1].Value);
        Assert.Equal(title, HeadingTag().Match(html).Groups[1].Value);
        string nav = NavBlock().Match(html).Value;
        Assert.Equal(NavLinks, LinkTag().Matches(nav).Select(m => m.Groups[1].Value));
        Assert.Equal([link], ActiveLink().Matches(nav).Select(m => m.Groups[1].Value));
        // Whole and readable without JavaScript: the body is in the page, nothing is left to fill in, nothing inline.
        Assert.Contains("</main>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.Matches(@"<script type=""module"" src=""/js/\w+\.js""></script>", html);
        Assert.Equal(1, Regex.Count(html, "<script"));
    }

    [Fact]
    public async Task A_composed_page_is_cached_as_a_static_file_is()
    {
        var page = await client.GetAsync("/speech.html");
        var script = await client.GetAsync("/js/api.js");
        Assert.NotNull(page.Headers.ETag);
        Assert.NotNull(page.Content.Headers.LastModified);
        Assert.Equal(script.Headers.ETag!.IsWeak, page.Headers.ETag!.IsWeak);
        Assert.Equal(page.Content.Headers.ContentLength, (await page.Content.ReadAsByteArrayAsync()).Length);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/speech.html") { Headers = { IfNoneMatch = { page.Headers.ETag } } };
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/speech.html");
        var headResponse = await client.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, headResponse.StatusCode);
        Assert.Equal(page.Headers.ETag, headResponse.Headers.ETag);

        // The root and /index.html are one page.
        var root = await client.GetAsync("/");
        var index = await client.GetAsync("/index.html");
        Assert.Equal(root.Headers.ETag, index.Headers.ETag);
        Assert.Equal(await root.Content.ReadAsStringAsync(), await index.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_layout_and_the_page_sources_are_not_served()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/_layout.html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/WebPages/index.html")).StatusCode);
    }

    [Fact]
    public void A_page_the_nav_does_not_list_or_without_front_matter_fails_at_composition()
    {
        const string Layout = "<title>{{title}}</title><script src=\"/js/{{script}}\"></script><nav><a href=\"/\">Image</a></nav>{{body}}";
        string composed = WebPageComposer.ComposePage(Layout, "index.html", "---\ntitle: Image\nscript: image.js\n---\n<main></main>\n");
        Assert.Equal("<title>Image</title><script src=\"/js/image.js\"></script><nav><a href=\"/\" aria-current=\"page\">Image</a></nav><main></main>\n", composed);

        Assert.Throws<InvalidDataException>(() => WebPageComposer.ComposePage(Layout, "extra.html", "---\ntitle: Extra\nscript: extra.js\n---\n<main></main>"));
        Assert.Throws<InvalidDataException>(() => WebPageComposer.ComposePage(Layout, "index.html", "<main></main>"));
        Assert.Throws<InvalidDataException>(() => WebPageComposer.ComposePage(Layout, "index.html", "---\ntitle: Image\n---\n<main></main>"));
    }

    [GeneratedRegex("<title>([^<]*)</title>")] private static partial Regex TitleTag();
    [GeneratedRegex("<h1>([^<]*)</h1>")] private static partial Regex HeadingTag();
    [GeneratedRegex("<nav[^>]*>.*?</nav>", RegexOptions.Singleline)] private static partial Regex NavBlock();
    [GeneratedRegex("<a href=\"([^\"]*)\"")] private static partial Regex LinkTag();
    [GeneratedRegex("<a href=\"([^\"]*)\" aria-current=\"page\">")] private static partial Regex ActiveLink();
}
