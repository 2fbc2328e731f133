using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Media.Hosting.Keys;
using Media.Hosting.Postgres;
using Media.LocalCluster;

namespace Media.Gateway.Tests.ScaleOut;

/// <summary>
/// Issue 13: what one gateway stores, every gateway serves. Two gateway processes (role gateway, no worker needed) on one
/// PostgreSQL and one artifacts folder: an OpenAI file uploaded to one is listed, read and deleted through the other, and an
/// API key made once is accepted by both — and refused by both once revoked.
/// </summary>
[Collection(ClusterGroup.Name)]
[Slow("starts redis-server, PostgreSQL and two gateway processes")]
public sealed class SharedGatewayStateTests(LocalServers servers) : IAsyncLifetime
{
    LocalDeployment? deployment;

    [SkippableFact]
    public async Task A_file_and_a_key_made_through_one_gateway_are_served_by_the_other()
    {
        Skip.If(LocalServers.Missing is not null, LocalServers.Missing);
        deployment = await LocalDeployment.CreateAsync(servers.Processes);
        var gateways = await Task.WhenAll(deployment.StartGatewayAsync(CancellationToken.None), deployment.StartGatewayAsync(CancellationToken.None));
        using var a = ClusterClient.For(gateways[0]);
        using var b = ClusterClient.For(gateways[1]);

        const string line = """{"custom_id":"r1","method":"POST","url":"/v1/images/generations","body":{"model":"token-shuffle","prompt":"a red circle"}}""";
        using var form = new MultipartFormDataContent
        {
            { new StringContent("batch"), "purpose" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(line + "\n")), "file", "requests.jsonl" },
        };
        using var uploaded = await a.PostAsync("/v1/files", form);
        string body = await uploaded.Content.ReadAsStringAsync();
        Assert.True(uploaded.IsSuccessStatusCode, body);
        string id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;

        var listed = await b.GetFromJsonAsync<JsonElement>("/v1/files");
        Assert.Contains(id, listed.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(line + "\n", await b.GetStringAsync($"/v1/files/{id}/content"));
        using (var deleted = await b.DeleteAsync($"/v1/files/{id}")) Assert.True(deleted.IsSuccessStatusCode);
        using (var gone = await a.GetAsync($"/v1/files/{id}")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        // A key made once in the shared database (as `media keys create --postgres` makes it).
        await using var database = new PostgresDatabase(deployment.Postgres);
        var keys = new ApiKeyService(new PostgresApiKeyStore(database), TimeProvider.System);
        var (key, token) = await keys.CreateAsync("shared", [ApiKeyScopes.Jobs], CancellationToken.None);
        foreach (var client in new[] { a, b }) Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, token));
        await keys.RevokeAsync(key.Id, CancellationToken.None);
        foreach (var client in new[] { a, b }) Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, token));
    }

    static async Task<HttpStatusCode> StatusAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (deployment is not null) await deployment.DisposeAsync();
    }
}
