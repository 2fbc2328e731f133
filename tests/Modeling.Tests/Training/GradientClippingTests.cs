using Media.Modeling.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

/// <summary>Global-norm clipping against a norm computed element by element.</summary>
public sealed class GradientClippingTests
{
    static List<Parameter> WithGradients(params float[][] gradients)
    {
        var parameters = new List<Parameter>();
        foreach (var g in gradients)
        {
            var p = new Parameter(zeros(g.Length));
            p.grad = tensor(g);
            parameters.Add(p);
        }
        return parameters;
    }

    static double NaiveNorm(IEnumerable<float[]> gradients) => Math.Sqrt(gradients.SelectMany(g => g).Sum(x => (double)x * x));

    [Fact]
    public void Large_gradients_are_scaled_together_to_the_limit()
    {
        using var scope = NewDisposeScope();
        float[][] grads = [[3, -4, 12], [0.5f, 2], [-7]];
        var parameters = WithGradients(grads);
        double naive = NaiveNorm(grads);

        double before = GradientClipping.ClipGlobalNorm(parameters, maxNorm: 2.0);

        Assert.Equal(naive, before, 4);
        var after = parameters.Select(p => p.grad!.data<float>().ToArray()).ToList();
        Assert.True(NaiveNorm(after) <= 2.0 + 1e-5, $"norm after clipping {NaiveNorm(after)}");
        Assert.Equal(2.0, NaiveNorm(after), 4);
        double scale = 2.0 / (naive + 1e-6);
        for (int i = 0; i < grads.Length; i++)
            for (int j = 0; j < grads[i].Length; j++) Assert.Equal(grads[i][j] * scale, after[i][j], 4);
    }

    [Fact]
    public void Gradients_within_the_limit_are_untouched_and_missing_gradients_are_skipped()
    {
        using var scope = NewDisposeScope();
        float[][] grads = [[0.3f, -0.4f]];
        var parameters = WithGradients(grads);
        parameters.Add(new Parameter(zeros(3)));   // no gradient

        double before = GradientClipping.ClipGlobalNorm(parameters, maxNorm: 1.0);

        Assert.Equal(0.5, before, 6);
        Assert.Equal(grads[0], parameters[0].grad!.data<float>().ToArray());
    }
}
