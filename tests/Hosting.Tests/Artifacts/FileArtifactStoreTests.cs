using System.Security.Cryptography;
using System.Text;
using Media.Hosting.Artifacts;
using Media.Hosting.Tests.Support;

namespace Media.Hosting.Tests.Artifacts;

public sealed class FileArtifactStoreTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Content_is_named_by_its_sha256_stored_once_and_read_back_with_its_description()
    {
        var store = new FileArtifactStore(folder.Path, TimeProvider.System);
        byte[] content = Encoding.UTF8.GetBytes("hello artifact");
        var meta = new Dictionary<string, string> { ["seed"] = "7" };
        var first = await store.SaveAsync(content, new ArtifactInfo("text/plain", "job_1", "a.txt", meta), CancellationToken.None);
        var second = await store.SaveAsync(content, new ArtifactInfo("text/plain", "job_2"), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), first.Id);
        Assert.Equal((first.Id, first.JobId, first.CreatedAt), (second.Id, second.JobId, second.CreatedAt)); // same bytes: the first description stands
        Assert.Single(Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories), f => !f.EndsWith(".json", StringComparison.Ordinal));

        var reopened = new FileArtifactStore(folder.Path, TimeProvider.System);
        var found = (await reopened.GetAsync(first.Id, CancellationToken.None))!;
        Assert.Equal(("text/plain", 14L, "job_1", "a.txt", "7"), (found.ContentType, found.Length, found.JobId, found.Name, found.Metadata["seed"]));
        await using var stream = (await reopened.OpenReadAsync(first.Id, CancellationToken.None))!;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("0123")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Anything_but_a_stored_sha256_is_unknown(string id)
    {
        var store = new FileArtifactStore(folder.Path, TimeProvider.System);
        Assert.Null(await store.GetAsync(id, CancellationToken.None));
        Assert.Null(await store.OpenReadAsync(id, CancellationToken.None));
    }
}
