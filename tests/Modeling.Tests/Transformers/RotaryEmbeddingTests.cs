using TorchSharp;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Transformers;

public sealed class RotaryEmbeddingTests
{
    const int HeadDim = 8;
    const double Base = 10000;

    /// <summary>Rotates x [time, headDim] pair by pair with explicit loops: the textbook definition.</summary>
    static float[] NaiveRotate(float[] x, int[] positions, Func<int, int, double> angle, Func<int, (int A, int B)> pairDims, int pairCount, double scale = 1)
    {
        var y = new float[x.Length];
        for (int t = 0; t < positions.Length; t++)
            for (int j = 0; j < pairCount; j++)
            {
                var (a, b) = pairDims(j);
                double th = angle(positions[t], j);
                double xa = x[t * HeadDim + a], xb = x[t * HeadDim + b];
                y[t * HeadDim + a] = (float)(scale * (xa * Math.Cos(th) - xb * Math.Sin(th)));
                y[t * HeadDim + b] = (float)(scale * (xa * Math.Sin(th) + xb * Math.Cos(th)));
            }
        return y;
    }

    static float[] Apply(RotaryEmbedding rope, float[] x, int[] positions)
    {
        using var scope = NewDisposeScope();
        var pos = tensor(positions.Select(p => (long)p).ToArray()).unsqueeze(0);
        var (cos, sin) = rope.At(pos);
        var xt = tensor(x).view(1, 1, positions.Length, HeadDim);
        return rope.Apply(xt, cos, sin).reshape(-1).data<float>().ToArray();
    }

    static float[] RandomX(int time, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, time * HeadDim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    static void AssertClose(float[] expected, float[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < tol, $"index {i}: {expected[i]} vs {actual[i]}");
    }

    [Theory]
    [InlineData(RotaryPairing.Interleaved)]
    [InlineData(RotaryPairing.RotateHalf)]
    public void One_d_rope_equals_a_naive_per_pair_rotation(RotaryPairing pairing)
    {
        using var rope = new RotaryEmbedding(RotarySpec.OneD(pairing), HeadDim, 64, Base);
        int[] positions = [0, 1, 5, 17, 63];
        var x = RandomX(positions.Length, 3);
        Func<int, (int, int)> dims = pairing == RotaryPairing.Interleaved ? j => (2 * j, 2 * j + 1) : j => (j, j + HeadDim / 2);
        var expected = NaiveRotate(x, positions, (p, j) => p * Math.Pow(Base, -2.0 * j / HeadDim), dims, HeadDim / 2);
        AssertClose(expected, Apply(rope, x, positions), 1e-5);
    }

    [Theory]
    [InlineData(RotaryPairing.Interleaved)]
    [InlineData(RotaryPairing.RotateHalf)]
    public void Two_d_rope_rotates_the_first_half_by_row_and_the_second_by_column_and_zeroes_the_prefix(RotaryPairing pairing)
    {
        const int grid = 3, prefix = 2;
        using var rope = new RotaryEmbedding(RotarySpec.TwoD(grid, pairing, prefix, PrefixRotation.Zero), HeadDim, prefix + grid * grid, Base);
        int[] positions = Enumerable.Range(0, prefix + grid * grid).ToArray();
        var x = RandomX(positions.Length, 4);
        int half = HeadDim / 2;
        // Pair j < half/2 belongs to the row half, the rest to the column half; each half is a 1D RoPE of width d/2.
        Func<int, (int, int)> dims = pairing == RotaryPairing.Interleaved
            ? j => (2 * j, 2 * j + 1)
            : j => j < half / 2 ? (j, j + half / 2) : (half + j - half / 2, half + j);
        double Angle(int p, int j)
        {
            int k = p - prefix, i = j % (half / 2);
            int coordinate = j < half / 2 ? k / grid : k % grid;
            return coordinate * Math.Pow(Base, -2.0 * i / half);
        }
        var content = NaiveRotate(x, positions, Angle, dims, half);
        var actual = Apply(rope, x, positions);
        for (int i = 0; i < prefix * HeadDim; i++) Assert.Equal(0f, actual[i]); // LlamaGen's zero cos/sin on the condition
        AssertClose(content[(prefix * HeadDim)..], actual[(prefix * HeadDim)..], 1e-5);
    }

    [Fact]
    public void Identity_prefix_leaves_condition_positions_unrotated_and_content_starts_at_angle_zero()
    {
        using var rope = new RotaryEmbedding(RotarySpec.OneD(prefixLength: 3), HeadDim, 10, Base);
        var x = RandomX(5, 5);
        var y = Apply(rope, x, [0, 1, 2, 3, 4]);
        AssertClose(x[..(4 * HeadDim)], y[..(4 * HeadDim)], 1e-6); // positions 0-2 prefix, 3 is content angle 0
        Assert.True(Math.Abs(x[4 * HeadDim] - y[4 * HeadDim]) > 1e-4);
    }

    [Theory]
    [InlineData(RotaryPairing.Interleaved, 1)]
    [InlineData(RotaryPairing.RotateHalf, 1)]
    [InlineData(RotaryPairing.Interleaved, 2)]
    [InlineData(RotaryPairing.RotateHalf, 2)]
    public void Rotation_preserves_the_norm_of_every_vector(RotaryPairing pairing, int axes)
    {
        var spec = axes == 1 ? RotarySpec.OneD(pairing) : RotarySpec.TwoD(5, pairing);
        using var rope = new RotaryEmbedding(spec, HeadDim, 25, Base);
        int[] positions = [0, 3, 7, 12, 24];
        var x = RandomX(positions.Length, 6);
        var y = Apply(rope, x, positions);
        for (int t = 0; t < positions.Length; t++)
        {
            double nx = Math.Sqrt(x.Skip(t * HeadDim).Take(HeadDim).Sum(v => (double)v * v));
            double ny = Math.Sqrt(y.Skip(t * HeadDim).Take(HeadDim).Sum(v => (double)v * v));
            Assert.Equal(nx, ny, 5);
        }
    }

    [Theory]
    [InlineData(RotaryPairing.Interleaved)]
    [InlineData(RotaryPairing.RotateHalf)]
    public void One_d_query_key_products_depend_only_on_the_position_difference(RotaryPairing pairing)
    {
        using var rope = new RotaryEmbedding(RotarySpec.OneD(pairing), HeadDim, 100, Base);
        var q = RandomX(1, 7);
        var k = RandomX(1, 8);
        double Dot(int m, int n)
        {
            var rq = Apply(rope, q, [m]);
            var rk = Apply(rope, k, [n]);
            return rq.Zip(rk, (a, b) => (double)a * b).Sum();
        }
        double reference = Dot(5, 2);
        foreach (var (m, n) in new[] { (3, 0), (10, 7), (50, 47), (99, 96) })
            Assert.Equal(reference, Dot(m, n), 4);
        Assert.NotEqual(reference, Dot(5, 3), 3); // a different offset gives a different product
    }

    [Fact]
    public void Positions_outside_the_table_fail_with_a_clear_message()
    {
        using var rope = new RotaryEmbedding(RotarySpec.OneD(), HeadDim, 10, Base);
        var ex = Assert.Throws<ArgumentException>(() => rope.At(tensor(new long[] { 3, 10 }).unsqueeze(0)));
        Assert.Contains("outside the RoPE table", ex.Message, StringComparison.Ordinal);
    }
    [Fact]
    public void The_tables_follow_the_module_to_another_device()
    {
        // TorchSharp moves no non-persistent buffer: a model moved with .to(cuda) kept its tables on the CPU and failed
        // with "index is on cuda:0, different from other tensors on cpu" (D-AR's tokenizer on a GPU). The meta device
        // takes the same path on a CPU-only machine.
        using var scope = NewDisposeScope();
        using var rope = new RotaryEmbedding(RotarySpec.OneD(), HeadDim, 10, Base);
        var meta = new Device(DeviceType.META);
        rope.to(meta);
        Assert.Equal(DeviceType.META, rope.TablesDevice); // meta has no index_select kernel to call At with
    }

    [Fact]
    public void Tables_moved_inside_a_dispose_scope_outlive_it()
    {
        // A model built once and moved inside a request's dispose scope must keep its tables after the scope ends.
        using var rope = new RotaryEmbedding(RotarySpec.OneD(), HeadDim, 10, Base);
        using (NewDisposeScope()) rope.to(new Device(DeviceType.META));
        Assert.Equal(DeviceType.META, rope.TablesDevice);
    }
}
