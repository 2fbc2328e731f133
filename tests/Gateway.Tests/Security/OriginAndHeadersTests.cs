using System.Net;
using System.Net.WebSockets;
using Media.Gateway.Security;

namespace Media.Gateway.Tests.Security;

/// <summary>The hub's origin check, the CORS policy from configuration, the web app's security headers, and when keys are optional.</summary>
public sealed class OriginAndHeadersTests : IAsyncDisposable
{
    const string Allowed = "https://app.example.com";
    readonly GatewayFactory factory = new(null, testModels: true, new Dictionary<string, string?> { ["Media:Cors:AllowedOrigins:0"] = Allowed });
    readonly HttpClient client;

    public OriginAndHeadersTests() => client = factory.StartKestrel();

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await factory.DisposeAsync();
    }

    Task<HttpResponseMessage> NegotiateAsync(string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/media/negotiate?negotiateVersion=1");
        if (origin is not null) request.Headers.Add("Origin", origin);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_foreign_origin_is_refused_on_the_hubs_negotiate_and_websocket()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await NegotiateAsync("https://evil.example")).StatusCode);
        // The gateway's own pages, a configured origin, and clients that send no Origin (SDKs) pass.
        Assert.Equal(HttpStatusCode.OK, (await NegotiateAsync(factory.BaseAddress!.GetLeftPart(UriPartial.Authority))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await NegotiateAsync(Allowed)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await NegotiateAsync(null)).StatusCode);

        var hub = new UriBuilder(new Uri(factory.BaseAddress!, "/hubs/media")) { Scheme = "ws" }.Uri;
        using var foreign = new ClientWebSocket();
        foreign.Options.SetRequestHeader("Origin", "https://evil.example");
        foreign.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(hub, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.HttpStatusCode);

        using var own = new ClientWebSocket();
        own.Options.SetRequestHeader("Origin", factory.BaseAddress!.GetLeftPart(UriPartial.Authority));
        await own.ConnectAsync(hub, CancellationToken.None);
        Assert.Equal(WebSocketState.Open, own.State);
    }

    [Fact]
    public async Task Cors_allows_the_configured_origin_only()
    {
        async Task<HttpResponseMessage> Preflight(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "/api/jobs");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            return await client.SendAsync(request);
        }
        var allowed = await Preflight(Allowed);
        Assert.Equal(Allowed, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var foreign = await Preflight("https://evil.example");
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_web_app_is_served_with_a_content_security_policy_and_no_sniffing()
    {
        foreach (string path in new[] { "/", "/history.html", "/js/api.js" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
        // API answers carry no page policy but are never sniffed either.
        var api = await client.GetAsync("/api/models");
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task On_loopback_keys_are_optional_and_an_unknown_key_is_still_refused()
    {
        // Kestrel on 127.0.0.1 only: the README's `dotnet run --project gateway` needs no set-up.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new("Bearer", "media-unknown") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);
    }

    [Theory]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:80", false)]
    [InlineData("https://media.example.com", false)]
    [InlineData("http://10.0.0.5:5000", false)]
    public void Keys_become_required_as_soon_as_one_address_is_not_loopback(string address, bool loopback) =>
        Assert.Equal(loopback, AccessMode.IsLoopback(address));
}
