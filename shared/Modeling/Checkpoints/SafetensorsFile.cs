using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// A safetensors file opened for reading. The file is memory-mapped and each tensor is created by
/// copying its byte range straight into the new tensor's storage, so a large checkpoint is never held
/// twice in memory, and tensors that are not asked for are never touched.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    // Spans index with int; larger tensors are filled in slices of this many bytes.
    const long ChunkBytes = 1L << 30;

    readonly MemoryMappedFile? map;
    readonly long dataStart;
    readonly Dictionary<string, SafetensorsEntry> byName;

    /// <summary>The path this file was opened from.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The <c>__metadata__</c> map.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Tensor names in data order.</summary>
    public IEnumerable<string> Keys => Header.Entries.Select(e => e.Name);

    SafetensorsFile(string path, SafetensorsHeader header, long dataStart, MemoryMappedFile? map)
    {
        Path = path;
        Header = header;
        this.dataStart = dataStart;
        this.map = map;
        byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Opens and validates a safetensors file; corrupt headers throw <see cref="InvalidDataException"/>.</summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors data is little-endian; this reader needs a little-endian host.");
        if (!File.Exists(path)) throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);

        SafetensorsHeader header;
        long dataStart, fileLength;
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? map = null;
        try
        {
            // The opened file's length: FileInfo.Length of a symbolic link (a Hugging Face cache snapshot is all links) is the link's own.
            fileLength = stream.Length;
            if (fileLength < 8)
                throw new InvalidDataException($"{path}: {fileLength} bytes is too short for a safetensors file (8-byte header length missing).");
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8))
                throw new InvalidDataException($"{path}: the header claims {headerLength} bytes but only {fileLength - 8} follow; not a safetensors file or truncated.");
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw new InvalidDataException($"{path}: the header claims {headerLength} bytes, above the {SafetensorsHeader.MaxHeaderBytes}-byte limit.");
            var json = new byte[(int)headerLength];
            stream.ReadExactly(json);
            dataStart = 8 + (long)headerLength;
            header = SafetensorsHeader.Parse(json, fileLength - dataStart, path);
            // The map takes the stream that was read, so header and data come from one file even if the path is replaced
            // meanwhile. A file with no tensor bytes cannot be mapped (zero-length view); nothing needs reading then.
            if (fileLength > dataStart)
                map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        finally
        {
            if (map is null) stream.Dispose();
        }
        return new SafetensorsFile(path, header, dataStart, map);
    }

    /// <summary>True when the file holds a tensor of this name.</summary>
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>The header entry of one tensor.</summary>
    public SafetensorsEntry Entry(string name) =>
        byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{Path} has no tensor '{name}'.");

    /// <summary>Reads one tensor.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="device">Where the tensor should live (CPU when null).</param>
    /// <param name="floatDtype">When set, floating-point tensors are converted to this dtype; integers are left alone.</param>
    public Tensor Read(string name, Device? device = null, ScalarType? floatDtype = null)
    {
        var entry = Entry(name);
        using var scope = NewDisposeScope();
        var tensor = empty(entry.Shape, entry.DType);
        if (entry.ByteLength > 0) Fill(tensor, entry);
        if (floatDtype is { } target && SafetensorsDType.IsFloatingPoint(entry.DType) && entry.DType != target)
            tensor = tensor.to_type(target);
        if (device is not null && device.type != DeviceType.CPU) tensor = tensor.to(device);
        return tensor.MoveToOuterDisposeScope();
    }

    /// <summary>Reads every tensor, or only <paramref name="keys"/> when given (each must exist).</summary>
    public Dictionary<string, Tensor> ReadAll(IEnumerable<string>? keys = null, Device? device = null, ScalarType? floatDtype = null)
    {
        var names = keys?.ToList() ?? Keys.ToList();
        var missing = names.Where(n => !byName.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new KeyNotFoundException($"{Path} has no tensor(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in names) result[name] = Read(name, device, floatDtype);
        return result;
    }

    void Fill(Tensor tensor, SafetensorsEntry entry)
    {
        using var view = map!.CreateViewStream(dataStart + entry.Begin, entry.ByteLength, MemoryMappedFileAccess.Read);
        // Tensor.bytes is a span over the tensor's own storage, so this is the only copy; slices keep spans below 2 GB.
        int elementSize = SafetensorsDType.SizeOf(entry.DType);
        long chunkElements = ChunkBytes / elementSize, count = entry.ElementCount;
        using var flat = tensor.reshape(-1);
        for (long start = 0; start < count; start += chunkElements)
        {
            using var slice = flat.narrow(0, start, Math.Min(chunkElements, count - start));
            view.ReadExactly(slice.bytes);
        }
    }

    /// <summary>Unmaps the file; tensors already read stay valid (they own their storage).</summary>
    public void Dispose() => map?.Dispose();
}
