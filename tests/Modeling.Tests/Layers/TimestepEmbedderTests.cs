using Media.Modeling.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Layers;

public sealed class TimestepEmbedderTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(7)]
    public void Sinusoidal_embedding_matches_the_cos_sin_formula(int dim)
    {
        using var scope = NewDisposeScope();
        double[] times = [0, 1, 17.5, 999];
        var embedding = TimestepEmbedder.Sinusoidal(tensor(times), dim).data<float>().ToArray();
        int half = dim / 2;
        for (int n = 0; n < times.Length; n++)
        {
            for (int i = 0; i < half; i++)
            {
                double frequency = Math.Exp(-Math.Log(10000) * i / half);
                Assert.Equal(Math.Cos(times[n] * frequency), embedding[n * dim + i], 3);
                Assert.Equal(Math.Sin(times[n] * frequency), embedding[n * dim + half + i], 3);
            }
            if (dim % 2 == 1) Assert.Equal(0f, embedding[n * dim + dim - 1]);
        }
    }

    [Fact]
    public void Embedder_is_an_mlp_over_the_sinusoid_with_DiT_keys()
    {
        using var scope = NewDisposeScope();
        using var embedder = new TimestepEmbedder(32);
        var state = embedder.state_dict();
        Assert.Equal(new[] { "mlp.0.bias", "mlp.0.weight", "mlp.2.bias", "mlp.2.weight" }, state.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 32, 256 }, state["mlp.0.weight"].shape);
        Assert.Equal(new long[] { 32, 32 }, state["mlp.2.weight"].shape);

        var t = tensor(new float[] { 3, 500 });
        var f = TimestepEmbedder.Sinusoidal(t, 256);
        var h = f.matmul(state["mlp.0.weight"].t()) + state["mlp.0.bias"];
        var expected = nn.functional.silu(h).matmul(state["mlp.2.weight"].t()) + state["mlp.2.bias"];
        using var noGrad = no_grad();
        Assert.True(embedder.call(t).allclose(expected, rtol: 1e-5, atol: 1e-6));
    }
}
