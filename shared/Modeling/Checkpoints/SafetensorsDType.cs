using static TorchSharp.torch;

namespace Media.Modeling.Checkpoints;

/// <summary>The safetensors dtype names this project reads and writes, and their TorchSharp equivalents.</summary>
public static class SafetensorsDType
{
    /// <summary>Maps a header dtype name (<c>F32</c>, <c>BF16</c>, ...) to a scalar type; unknown names throw.</summary>
    public static ScalarType Parse(string name) => name switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException(
            $"Unknown safetensors dtype '{name}': supported are F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL."),
    };

    /// <summary>The header name of a scalar type; types safetensors cannot hold here throw.</summary>
    public static string NameOf(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"Tensors of dtype {type} cannot be written to safetensors by this writer.", nameof(type)),
    };

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentException($"Dtype {type} has no safetensors element size.", nameof(type)),
    };

    /// <summary>True for the floating-point types that load-time conversion applies to.</summary>
    public static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;
}
