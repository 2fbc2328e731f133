using Media.Modeling.Checkpoints;
using static TorchSharp.torch;
using PyBridgeSafetensors = TorchSharp.PyBridge.Safetensors;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>
/// Our safetensors files against an independent implementation, TorchSharp.PyBridge's: what we write
/// loads there, and what it writes loads here, with every dtype, shape and bit kept.
/// </summary>
public sealed class SafetensorsInteropTests
{
    /// <summary>One tensor per dtype both sides support, of varied ranks (a scalar, a vector, 2-D, 3-D), from random bits.</summary>
    static Dictionary<string, Tensor> Sample()
    {
        var random = new Random(7);
        Tensor Bits(ScalarType dtype, params long[] shape)
        {
            var tensor = empty(shape, dtype);
            var bytes = new byte[tensor.NumberOfElements * tensor.ElementSize];
            random.NextBytes(bytes);
            if (dtype == ScalarType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
            tensor.bytes = bytes;
            return tensor;
        }
        return new()
        {
            ["f64"] = Bits(ScalarType.Float64, 3, 2),
            ["f32.weight"] = Bits(ScalarType.Float32, 4, 3, 2),
            ["f16"] = Bits(ScalarType.Float16, 5),
            ["bf16"] = Bits(ScalarType.BFloat16, 2, 3),
            ["i64.scalar"] = Bits(ScalarType.Int64),
            ["i32"] = Bits(ScalarType.Int32, 7),
            ["i16"] = Bits(ScalarType.Int16, 2, 2),
            ["i8"] = Bits(ScalarType.Int8, 9),
            ["u8"] = Bits(ScalarType.Byte, 3, 1),
            ["bool"] = Bits(ScalarType.Bool, 6),
        };
    }

    static void AssertSame(Dictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in expected)
        {
            Assert.Equal(tensor.dtype, actual[name].dtype);
            Assert.Equal(tensor.shape, actual[name].shape);
            Assert.Equal(tensor.bytes.ToArray(), actual[name].bytes.ToArray());
        }
    }

    [Fact]
    public void A_file_we_write_loads_in_pybridge_with_dtypes_shapes_and_bits_kept()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var source = Sample();
        string path = dir.File("ours.safetensors");
        SafetensorsWriter.Write(path, source);

        AssertSame(source, PyBridgeSafetensors.LoadStateDict(path));
    }

    [Fact]
    public void A_file_pybridge_writes_loads_here_with_dtypes_shapes_and_bits_kept()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var source = Sample();
        string path = dir.File("pybridge.safetensors");
        PyBridgeSafetensors.SaveStateDict(path, source);

        using var file = SafetensorsFile.Open(path);
        AssertSame(source, file.ReadAll());
    }
}
