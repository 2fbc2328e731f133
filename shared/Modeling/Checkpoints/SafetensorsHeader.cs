using System.Text.Json;
using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>One tensor's entry in a safetensors header; offsets are relative to the start of the data section.</summary>
public sealed record SafetensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Length of the raw data in bytes.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>
/// The parsed and validated JSON header of a safetensors file: every entry is checked against the
/// data section (in range, sized to its shape and dtype, no overlaps) before any tensor is read.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Entries in data order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The optional <c>__metadata__</c> map (string to string).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafetensorsHeader(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>Parses header JSON and validates it against a data section of <paramref name="dataLength"/> bytes.</summary>
    /// <param name="json">The UTF-8 header bytes.</param>
    /// <param name="dataLength">Bytes after the header.</param>
    /// <param name="source">Name used in error messages (usually the file path).</param>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: the safetensors header is not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: the safetensors header must be a JSON object.");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new InvalidDataException($"{source}: the safetensors header names '{property.Name}' twice.");
                if (property.Name == "__metadata__") ReadMetadata(property.Value, metadata, source);
                else entries.Add(ReadEntry(property.Name, property.Value, dataLength, source));
            }
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            CheckNoOverlap(entries, source);
            return new SafetensorsHeader(entries, metadata);
        }
    }

    static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: __metadata__ must be an object of strings.");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source}: __metadata__ value '{item.Name}' must be a string.");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    static SafetensorsEntry ReadEntry(string name, JsonElement value, long dataLength, string source)
    {
        string where = $"{source}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where} must be an object with dtype, shape and data_offsets.");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{where} has no dtype string.");
        ScalarType dtype;
        try
        {
            dtype = SafetensorsDType.Parse(dtypeElement.GetString()!);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }
        long[] shape = ReadIntegers(value, "shape", where);
        long[] offsets = ReadIntegers(value, "data_offsets", where);
        if (offsets.Length != 2)
            throw new InvalidDataException($"{where}: data_offsets must be [begin, end], got {offsets.Length} numbers.");
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw new InvalidDataException($"{where}: data_offsets [{begin}, {end}] end before they begin.");
        if (end > dataLength)
            throw new InvalidDataException(
                $"{where}: data_offsets [{begin}, {end}] lie outside the data section ({dataLength} bytes); the file is truncated or the header is wrong.");
        long expected = SafetensorsDType.SizeOf(dtype);
        try
        {
            foreach (long dim in shape) expected = checked(expected * dim);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{where}: shape [{string.Join(", ", shape)}] is too large.");
        }
        if (end - begin != expected)
            throw new InvalidDataException(
                $"{where}: shape [{string.Join(", ", shape)}] of {SafetensorsDType.NameOf(dtype)} needs {expected} bytes but data_offsets [{begin}, {end}] hold {end - begin}.");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    static long[] ReadIntegers(JsonElement value, string property, string where)
    {
        if (!value.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where} has no {property} array.");
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0)
                throw new InvalidDataException($"{where}: {property} must hold non-negative integers, found {item.GetRawText()}.");
            result[i++] = number;
        }
        return result;
    }

    static void CheckNoOverlap(List<SafetensorsEntry> sorted, string source)
    {
        SafetensorsEntry? previous = null;
        foreach (var entry in sorted)
        {
            if (entry.ByteLength == 0) continue;
            if (previous is not null && entry.Begin < previous.End)
                throw new InvalidDataException(
                    $"{source}: tensors '{previous.Name}' [{previous.Begin}, {previous.End}] and '{entry.Name}' [{entry.Begin}, {entry.End}] overlap.");
            previous = entry;
        }
    }
}
