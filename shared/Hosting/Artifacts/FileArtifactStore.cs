using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Media.Hosting.Artifacts;

/// <summary>
/// Files named by their sha256 under <c>artifacts/ab/abcd…</c> with a <c>.json</c> description beside
/// each. Written to a temporary name and moved in place, so a crash never leaves half a file under a
/// real id.
/// </summary>
public sealed class FileArtifactStore(string root, TimeProvider time) : IArtifactStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public async Task<Artifact> SaveAsync(ReadOnlyMemory<byte> content, ArtifactInfo info, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentException.ThrowIfNullOrWhiteSpace(info.ContentType);
        string id = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        string data = DataPath(id);
        if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } existing) return existing;

        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        var artifact = new Artifact(id, info.ContentType, content.Length, time.GetUtcNow(), info.JobId, info.Name,
            info.Metadata ?? new Dictionary<string, string>());
        await WriteAtomicallyAsync(data, content, cancellationToken).ConfigureAwait(false);
        byte[] description = JsonSerializer.SerializeToUtf8Bytes(artifact, ArtifactJson.Default.Artifact);
        await WriteAtomicallyAsync(DescriptionPath(id), description, cancellationToken).ConfigureAwait(false);
        return artifact;
    }

    public async Task<Artifact?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsId(id)) return null;
        string description = DescriptionPath(id);
        if (!File.Exists(description) || !File.Exists(DataPath(id))) return null;
        await using var stream = File.OpenRead(description);
        return await JsonSerializer.DeserializeAsync(stream, ArtifactJson.Default.Artifact, cancellationToken).ConfigureAwait(false);
    }

    public Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsId(id) || !File.Exists(DataPath(id))) return Task.FromResult<Stream?>(null);
        return Task.FromResult<Stream?>(new FileStream(DataPath(id), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
    }

    /// <summary>Only 64 lowercase hex digits name an artifact; anything else (a path, "..") is refused before touching the disk.</summary>
    public static bool IsId(string? id) => id is { Length: 64 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    string DataPath(string id) => Path.Combine(Root, id[..2], id);

    string DescriptionPath(string id) => DataPath(id) + ".json";

    static async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, content, cancellationToken).ConfigureAwait(false);
        try { File.Move(temp, path, overwrite: true); }
        finally { if (File.Exists(temp)) File.Delete(temp); }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Artifact))]
internal sealed partial class ArtifactJson : JsonSerializerContext;
