using System.Buffers.Binary;
using System.Text;
using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>Half-precision checkpoints load as fp32 with the values their bit patterns encode.</summary>
public sealed class DtypeConversionTests
{
    static string WriteHalfFile(TempDirectory dir)
    {
        // Bit patterns written by hand, so the expected values do not depend on torch's conversions.
        // F16: 1.5, -2.25, 65504 (largest), 2^-24 (smallest subnormal). BF16: 1.5, -2.25, 2^100, -0.0.
        ushort[] f16 = [0x3E00, 0xC080, 0x7BFF, 0x0001];
        ushort[] bf16 = [0x3FC0, 0xC010, 0x7180, 0x8000];
        string header = """{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]},"i":{"dtype":"I32","shape":[1],"data_offsets":[16,20]}}""";
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 20];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        int at = 8 + json.Length;
        foreach (var value in f16.Concat(bf16)) { BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), value); at += 2; }
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), -7);
        string path = dir.File("half.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Fp16_and_bf16_tensors_load_as_fp32_with_the_right_values()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();

        var state = Checkpoint.Load(WriteHalfFile(dir));

        Assert.Equal(ScalarType.Float32, state["h"].dtype);
        Assert.Equal(ScalarType.Float32, state["b"].dtype);
        Assert.Equal(ScalarType.Int32, state["i"].dtype);
        Assert.Equal(new float[] { 1.5f, -2.25f, 65504f, MathF.Pow(2, -24) }, state["h"].data<float>().ToArray());
        var b = state["b"].data<float>().ToArray();
        Assert.Equal(new float[] { 1.5f, -2.25f, MathF.Pow(2, 100), 0f }, b);
        Assert.True(float.IsNegative(b[3]));
        Assert.Equal(-7, state["i"].data<int>()[0]);
    }

    [Fact]
    public void Target_dtype_is_configurable_and_null_keeps_the_stored_dtype()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = WriteHalfFile(dir);

        var asDouble = Checkpoint.Load(path, new CheckpointLoadOptions { FloatDtype = ScalarType.Float64 });
        var asStored = Checkpoint.Load(path, new CheckpointLoadOptions { FloatDtype = null });

        Assert.Equal(65504.0, asDouble["h"].data<double>()[2]);
        Assert.Equal(ScalarType.Float16, asStored["h"].dtype);
        Assert.Equal(ScalarType.BFloat16, asStored["b"].dtype);
    }

    [Fact]
    public void Fp16_save_option_stores_floats_as_f16_and_leaves_integers()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = dir.File("small.safetensors");
        var model = nn.Linear(3, 2);
        using (no_grad()) model.weight!.copy_(tensor(new float[] { 0.1f, 1, 2, 3, 4, 1e-8f }).reshape(2, 3));

        Checkpoint.Save(model, path, floatDtype: ScalarType.Float16);
        SafetensorsWriter.Write(dir.File("ints.safetensors"), new Dictionary<string, Tensor> { ["n"] = tensor(new long[] { 5 }) }, floatDtype: ScalarType.Float16);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(ScalarType.Float16, file.Entry("weight").DType);
        var weight = file.Read("weight", floatDtype: ScalarType.Float32).data<float>().ToArray();
        // 0.1 rounds to the nearest half, 0.0999755859375; 1e-8 is below half's range and becomes 0.
        Assert.Equal(new float[] { 0.0999755859375f, 1, 2, 3, 4, 0 }, weight);
        using var ints = SafetensorsFile.Open(dir.File("ints.safetensors"));
        Assert.Equal(ScalarType.Int64, ints.Entry("n").DType);
    }
}
