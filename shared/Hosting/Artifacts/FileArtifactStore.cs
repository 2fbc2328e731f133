using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Media.Hosting.Artifacts;

/// <summary>
/// Files named by their sha256 under <c>artifacts/ab/abcd…</c> with a <c>.json</c> description beside
/// each. Written to a temporary name and moved in place, so a crash never leaves half a file under a
/// real id. The data file's modification time is when it was last saved (a save of the same bytes
/// touches it), which retention reads to leave artifacts that are in use again alone.
/// </summary>
public sealed class FileArtifactStore(string root, TimeProvider time) : IArtifactStore, IDisposable
{
    // A save and a retention delete of the same id must not interleave: one at a time.
    readonly SemaphoreSlim gate = new(1, 1);

    public string Root { get; } = Path.GetFullPath(root);

    public async Task<Artifact> SaveAsync(ReadOnlyMemory<byte> content, ArtifactInfo info, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentException.ThrowIfNullOrWhiteSpace(info.ContentType);
        string id = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        string data = DataPath(id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                File.SetLastWriteTimeUtc(data, time.GetUtcNow().UtcDateTime);
                return existing;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(data)!);
            var artifact = new Artifact(id, info.ContentType, content.Length, time.GetUtcNow(), info.JobId, info.Name,
                info.Metadata ?? new Dictionary<string, string>());
            await WriteAtomicallyAsync(data, content, cancellationToken).ConfigureAwait(false);
            File.SetLastWriteTimeUtc(data, time.GetUtcNow().UtcDateTime);
            byte[] description = JsonSerializer.SerializeToUtf8Bytes(artifact, ArtifactJson.Default.Artifact);
            await WriteAtomicallyAsync(DescriptionPath(id), description, cancellationToken).ConfigureAwait(false);
            return artifact;
        }
        finally { gate.Release(); }
    }

    public async IAsyncEnumerable<string> ListSavedBeforeAsync(DateTimeOffset before, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root)) yield break;
        foreach (string path in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string id = Path.GetFileName(path);
            if (IsId(id) && File.GetLastWriteTimeUtc(path) < before.UtcDateTime) yield return id;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<long> DeleteAsync(string id, DateTimeOffset savedBefore, CancellationToken cancellationToken)
    {
        if (!IsId(id)) return 0;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var data = new FileInfo(DataPath(id));
            if (!data.Exists || data.LastWriteTimeUtc >= savedBefore.UtcDateTime) return 0;
            long freed = data.Length;
            // The description goes first: without it the artifact is already unknown to readers.
            var description = new FileInfo(DescriptionPath(id));
            if (description.Exists) { freed += description.Length; description.Delete(); }
            data.Delete();
            return freed;
        }
        finally { gate.Release(); }
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

    public void Dispose() => gate.Dispose();

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
