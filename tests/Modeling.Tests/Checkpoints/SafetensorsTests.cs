using System.Buffers.Binary;
using System.Text;
using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>Our safetensors reader and writer against the format's byte layout.</summary>
public sealed class SafetensorsTests
{
    static Tensor FromBytes(ScalarType dtype, long[] shape, byte[] bytes)
    {
        var tensor = empty(shape, dtype);
        tensor.bytes = bytes;
        return tensor;
    }

    static byte[] RandomBytes(int count, int seed, bool boolean = false)
    {
        var random = new Random(seed);
        var bytes = new byte[count];
        random.NextBytes(bytes);
        if (boolean) for (int i = 0; i < count; i++) bytes[i] &= 1;
        return bytes;
    }

    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    static byte[] Le16(params ushort[] values) => values.SelectMany(v => { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }).ToArray();
    static byte[] Le32(params uint[] values) => values.SelectMany(v => { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }).ToArray();
    static byte[] Le64(params ulong[] values) => values.SelectMany(v => { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }).ToArray();

    [Fact]
    public void Round_trip_is_bit_exact_for_every_dtype_including_nan_payloads_and_negative_zero()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        // Floats: quiet and signalling NaNs with payloads, -0.0, infinities, then random bits.
        var source = new Dictionary<string, Tensor>
        {
            ["f64"] = FromBytes(ScalarType.Float64, [2, 3], Concat(Le64(0x7FF8_0000_0000_0001, 0xFFF0_0000_0000_00FF, 0x8000_0000_0000_0000, 0xFFF0_0000_0000_0000), RandomBytes(16, 1))),
            ["f32"] = FromBytes(ScalarType.Float32, [3, 2], Concat(Le32(0x7FC0_0001, 0xFF80_0001, 0x8000_0000, 0x7F80_0000), RandomBytes(8, 2))),
            ["f16"] = FromBytes(ScalarType.Float16, [2, 2, 2], Concat(Le16(0x7E01, 0xFC01, 0x8000, 0x7C00), RandomBytes(8, 3))),
            ["bf16"] = FromBytes(ScalarType.BFloat16, [8], Concat(Le16(0x7FC1, 0xFF81, 0x8000, 0xFF80), RandomBytes(8, 4))),
            ["i64"] = FromBytes(ScalarType.Int64, [5], RandomBytes(40, 5)),
            ["i32"] = FromBytes(ScalarType.Int32, [5], RandomBytes(20, 6)),
            ["i16"] = FromBytes(ScalarType.Int16, [5], RandomBytes(10, 7)),
            ["i8"] = FromBytes(ScalarType.Int8, [5], RandomBytes(5, 8)),
            ["u8"] = FromBytes(ScalarType.Byte, [5], RandomBytes(5, 9)),
            ["bool"] = FromBytes(ScalarType.Bool, [7], RandomBytes(7, 10, boolean: true)),
            ["scalar"] = FromBytes(ScalarType.Float32, [], Le32(0x8000_0000)),
            ["empty"] = empty([0, 3], ScalarType.Float32),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        string path = dir.File("all.safetensors");

        SafetensorsWriter.Write(path, source, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(source.Keys.Order(), file.Keys.Order());
        var loaded = file.ReadAll();
        foreach (var (name, expected) in source)
        {
            var actual = loaded[name];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
        }
    }

    [Fact]
    public void Written_file_follows_the_format_layout()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = dir.File("layout.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = tensor(new float[] { 1, 2 }), ["b"] = tensor(new short[] { 3 }) });

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Contains("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", header);
        Assert.Contains("\"b\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[8,10]}", header);
        Assert.Equal(8 + headerLength + 10, bytes.Length);
        // Data: 1.0f, 2.0f, (short)3, little-endian.
        Assert.Equal(Concat(Le32(0x3F80_0000, 0x4000_0000), Le16(3)), bytes[(int)(8 + headerLength)..]);
    }

    static string WriteRaw(TempDirectory dir, string header, int dataBytes, long? claimedLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(claimedLength ?? json.Length));
        json.CopyTo(bytes, 8);
        string path = dir.File($"{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, "outside the data section")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlap")]
    [InlineData("""{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2, "Unknown safetensors dtype 'F8_E4M3'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "needs 12 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8, "end before they begin")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "non-negative integers")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", 8, "no data_offsets")]
    [InlineData("""{"w":{"dtype":"F32",""", 8, "not valid JSON")]
    [InlineData("""[1,2]""", 0, "must be a JSON object")]
    [InlineData("""{"__metadata__":{"n":1}}""", 0, "must be a string")]
    public void Impossible_header_is_refused_with_a_clear_message(string header, int dataBytes, string expected)
    {
        using var dir = new TempDirectory();
        string path = WriteRaw(dir, header, dataBytes);
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused()
    {
        using var dir = new TempDirectory();
        string path = WriteRaw(dir, "{}", 0, claimedLength: 1_000_000);
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("claims 1000000 bytes", error.Message);
    }

    [Fact]
    public void Selected_keys_load_alone_and_unknown_keys_are_named()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = dir.File("three.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["a"] = ones(3),
            ["b"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3),
            ["c"] = zeros(2, dtype: ScalarType.Int64),
        });

        using (var file = SafetensorsFile.Open(path))
        {
            var only = file.ReadAll(["b"]);
            Assert.Equal(["b"], only.Keys);
            Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, only["b"].data<float>().ToArray());
            var error = Assert.Throws<KeyNotFoundException>(() => file.ReadAll(["b", "nope"]));
            Assert.Contains("'nope'", error.Message);
        }
        var viaLoader = Checkpoint.Load(path, new CheckpointLoadOptions { Keys = ["c", "a"] });
        Assert.Equal(["a", "c"], viaLoader.Keys.Order());
        // The mapping is released on dispose: the file can be replaced at once.
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_file_reached_through_a_symbolic_link_loads_as_the_file_itself()
    {
        // A Hugging Face cache snapshot links every file to a blob: snapshots/<rev>/model.safetensors -> ../../blobs/<sha>.
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        Directory.CreateDirectory(dir.File("blobs"));
        Directory.CreateDirectory(dir.File("snapshot"));
        string blob = dir.File("blobs/0a1b2c");
        SafetensorsWriter.Write(blob, new Dictionary<string, Tensor> { ["w"] = arange(1000, dtype: ScalarType.Float32) });
        string link = dir.File("snapshot/model.safetensors");
        File.CreateSymbolicLink(link, "../blobs/0a1b2c");

        var loaded = Checkpoint.Load(link);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (float)i), loaded["w"].data<float>().ToArray());
    }
}
