using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests;

/// <summary>Real libtorch work on this machine's CPU, checked against hand-computed values.</summary>
public sealed class TorchSmokeTests
{
    [Fact]
    public void Matmul_matches_hand_computed_product()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3);
        var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }).reshape(3, 2);
        var c = a.matmul(b);
        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Scaled_dot_product_attention_matches_hand_computed_softmax()
    {
        using var scope = NewDisposeScope();
        // One head, two queries, two keys, head dim 2: scores = q k^T / sqrt(2).
        var q = tensor(new float[] { 1, 0, 0, 1 }).reshape(1, 1, 2, 2);
        var k = tensor(new float[] { 1, 0, 0, 2 }).reshape(1, 1, 2, 2);
        var v = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);

        var full = nn.functional.scaled_dot_product_attention(q, k, v).reshape(4).data<float>().ToArray();
        var causal = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true).reshape(4).data<float>().ToArray();

        static double[] Mix(double s0, double s1)
        {
            double w0 = Math.Exp(s0) / (Math.Exp(s0) + Math.Exp(s1)), w1 = 1 - w0;
            return new[] { w0 * 1 + w1 * 3, w0 * 2 + w1 * 4 };
        }
        double r = Math.Sqrt(2);
        var row0 = Mix(1 / r, 0);          // q0 = (1,0): scores (1, 0)/sqrt2
        var row1 = Mix(0, 2 / r);          // q1 = (0,1): scores (0, 2)/sqrt2
        var expected = row0.Concat(row1).ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], full[i], 5);
        // Causal: query 0 sees key 0 only, so it returns v0; query 1 is unmasked.
        Assert.Equal(new double[] { 1, 2, row1[0], row1[1] }, causal.Select(x => (double)x).ToArray(), new ToleranceComparer(1e-5));
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
