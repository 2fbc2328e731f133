using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>
/// Writes safetensors files. The header is computed from shapes and dtypes alone, then tensors are
/// streamed one at a time (each is copied to CPU only while it is written), so saving needs no
/// second copy of the whole model.
/// </summary>
public static class SafetensorsWriter
{
    const long ChunkBytes = 1L << 30;

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically: into a temporary file
    /// beside it, then renamed over the target, so a crash never leaves a half-written checkpoint.
    /// </summary>
    /// <param name="path">Target file.</param>
    /// <param name="tensors">Named tensors, written in this order.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    /// <param name="floatDtype">When set, floating-point tensors are stored in this dtype (e.g. F16 for committed checkpoints).</param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, ScalarType? floatDtype = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        string? directory = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        string temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Write(stream, tensors, metadata, floatDtype);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes a safetensors image to a stream (the stream is left open).</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, ScalarType? floatDtype = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors data is little-endian; this writer needs a little-endian host.");
        if (floatDtype is { } f && !SafetensorsDType.IsFloatingPoint(f))
            throw new ArgumentException($"floatDtype must be a floating-point type, not {f}.", nameof(floatDtype));

        var items = tensors.ToList();
        var entries = new List<SafetensorsEntry>(items.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var (name, tensor) in items)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
                throw new ArgumentException($"'{name}' cannot name a tensor in a safetensors file.", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, name);
            var dtype = StoredType(tensor.dtype, floatDtype);
            long bytes = tensor.NumberOfElements * SafetensorsDType.SizeOf(dtype);
            entries.Add(new SafetensorsEntry(name, dtype, tensor.shape, offset, offset + bytes));
            offset += bytes;
        }

        byte[] header = HeaderBytes(entries, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        for (int i = 0; i < items.Count; i++) WriteData(stream, items[i].Value, entries[i]);
    }

    static ScalarType StoredType(ScalarType type, ScalarType? floatDtype)
    {
        SafetensorsDType.NameOf(type); // rejects types safetensors cannot hold, with a clear message
        return floatDtype is { } f && SafetensorsDType.IsFloatingPoint(type) ? f : type;
    }

    static byte[] HeaderBytes(List<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var entry in entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", SafetensorsDType.NameOf(entry.DType));
                json.WriteStartArray("shape");
                foreach (long dim in entry.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(entry.Begin);
                json.WriteNumberValue(entry.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    static void WriteData(Stream stream, Tensor tensor, SafetensorsEntry entry)
    {
        if (entry.ByteLength == 0) return;
        using var scope = NewDisposeScope();
        var cpu = tensor.detach();
        if (cpu.device_type != DeviceType.CPU) cpu = cpu.cpu();
        if (cpu.dtype != entry.DType) cpu = cpu.to_type(entry.DType);
        var flat = cpu.contiguous().reshape(-1);
        long chunkElements = ChunkBytes / SafetensorsDType.SizeOf(entry.DType), count = entry.ElementCount;
        for (long start = 0; start < count; start += chunkElements)
            stream.Write(flat.narrow(0, start, Math.Min(chunkElements, count - start)).bytes);
    }
}
