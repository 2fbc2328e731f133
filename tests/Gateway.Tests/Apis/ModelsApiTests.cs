using System.Net;
using System.Text.Json;

namespace Media.Gateway.Tests;

public sealed class ModelsApiTests : IDisposable
{
    readonly GatewayFactory factory = new();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task Health_answers_200()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Models_without_checkpoints_are_reported_missing_with_a_reason()
    {
        using var client = factory.CreateClient();
        using var body = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/models", UriKind.Relative)));
        var models = body.RootElement.GetProperty("data").EnumerateArray().ToList();

        Assert.Contains(models, m => m.GetProperty("id").GetString() == "token-shuffle" && m.GetProperty("family").GetString() == "image");
        Assert.All(models, m =>
        {
            Assert.Equal("missing", m.GetProperty("state").GetString());
            Assert.Contains("no trained checkpoint", m.GetProperty("reason").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_model_whose_checkpoint_is_on_disk_is_available()
    {
        string folder = Directory.CreateDirectory(Path.Combine(factory.ModelsDirectory, "token-shuffle")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), "{}");
        await File.WriteAllBytesAsync(Path.Combine(folder, "model.safetensors"), new byte[8]);

        using var client = factory.CreateClient();
        using var body = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/models/token-shuffle", UriKind.Relative)));
        Assert.Equal("available", body.RootElement.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("reason").ValueKind);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_problem()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri("/api/models/no-such-model", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("no-such-model", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
