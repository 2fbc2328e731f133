using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>Weight-norm folding against its definition and against convolutions computed from g and v.</summary>
public sealed class WeightNormTests
{
    // W[c,...] = g[c] * v[c,...] / sqrt(sum over the rest of v[c,...]^2), computed element by element.
    static double[] NaiveFoldOverDimZero(double[] g, double[] v, int channels)
    {
        int per = v.Length / channels;
        var w = new double[v.Length];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int j = 0; j < per; j++) sum += v[c * per + j] * v[c * per + j];
            double norm = Math.Sqrt(sum);
            for (int j = 0; j < per; j++) w[c * per + j] = g[c] * v[c * per + j] / norm;
        }
        return w;
    }

    static double[] Values(Tensor t) => t.to_type(ScalarType.Float64).reshape(-1).data<double>().ToArray();

    [Fact]
    public void Conv_weight_folds_per_output_channel_as_the_naive_loop()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7, CPU);
        var v = randn([6, 4, 3], generator: generator);      // Conv1d: [out, in, k]
        var g = rand([6, 1, 1], generator: generator) + 0.5;

        var folded = WeightNorm.Fold(g, v);

        var expected = NaiveFoldOverDimZero(Values(g), Values(v), 6);
        var actual = Values(folded);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void Transposed_conv_weight_folds_per_input_channel_as_the_naive_loop()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(8, CPU);
        var v = randn([5, 3, 4], generator: generator);      // ConvTranspose1d: [in, out, k], g [in, 1, 1]
        var g = rand([5, 1, 1], generator: generator) + 0.5;

        var folded = WeightNorm.Fold(g, v);

        var expected = NaiveFoldOverDimZero(Values(g), Values(v), 5);
        var actual = Values(folded);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void Folded_conv_gives_the_output_of_the_conv_with_v_rescaled_per_output_channel()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(9, CPU);
        var v = randn([6, 4, 3], generator: generator);
        var g = rand([6, 1, 1], generator: generator) + 0.5;
        var bias = randn([6], generator: generator);
        var x = randn([2, 4, 17], generator: generator);

        var folded = nn.functional.conv1d(x, WeightNorm.Fold(g, v), bias, padding: 1);
        // Convolution is linear in the weight: conv(x, s*v) = s * conv(x, v) per output channel.
        var scale = (g.reshape(6) / v.square().sum([1, 2]).sqrt()).reshape(1, 6, 1);
        var reference = nn.functional.conv1d(x, v, null, padding: 1) * scale + bias.reshape(1, 6, 1);

        Assert.True(allclose(folded, reference, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Folded_transposed_conv_gives_the_output_of_the_transposed_conv_with_inputs_rescaled()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(10, CPU);
        var v = randn([5, 3, 4], generator: generator);
        var g = rand([5, 1, 1], generator: generator) + 0.5;
        var x = randn([2, 5, 9], generator: generator);

        var folded = nn.functional.conv_transpose1d(x, WeightNorm.Fold(g, v), stride: 2);
        // Each input channel's kernel is scaled, so scaling that input channel instead gives the same sum.
        var scale = (g.reshape(5) / v.square().sum([1, 2]).sqrt()).reshape(1, 5, 1);
        var reference = nn.functional.conv_transpose1d(x * scale, v, stride: 2);

        Assert.True(allclose(folded, reference, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Legacy_and_parametrization_pairs_fold_into_weight_and_other_keys_pass_through()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(11, CPU);
        var state = new Dictionary<string, Tensor>
        {
            ["a.conv.weight_g"] = rand([2, 1, 1], generator: generator),
            ["a.conv.weight_v"] = randn([2, 3, 1], generator: generator),
            ["a.conv.bias"] = randn([2], generator: generator),
            ["b.parametrizations.weight.original0"] = rand([4, 1], generator: generator),
            ["b.parametrizations.weight.original1"] = randn([4, 5], generator: generator),
        };

        var folded = WeightNorm.FoldAll(state);

        Assert.Equal(["a.conv.bias", "a.conv.weight", "b.weight"], folded.Keys.Order());
        Assert.True(allclose(folded["a.conv.weight"], WeightNorm.Fold(state["a.conv.weight_g"], state["a.conv.weight_v"])));
        var expected = NaiveFoldOverDimZero(Values(state["b.parametrizations.weight.original0"]), Values(state["b.parametrizations.weight.original1"]), 4);
        var actual = Values(folded["b.weight"]);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void A_g_without_its_v_is_reported_by_name()
    {
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor> { ["x.weight_g"] = ones(2, 1) };
        var error = Assert.Throws<InvalidDataException>(() => WeightNorm.FoldAll(state));
        Assert.Contains("x.weight_v", error.Message);
    }
}
