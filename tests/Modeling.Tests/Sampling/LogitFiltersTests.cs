using Media.Modeling.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Sampling;

public sealed class LogitFiltersTests
{
    /// <summary>
    /// Naive nucleus: sort by probability (ties: lower id first), accumulate until the mass reaches p.
    /// Tokens of probability 0 (removed by top-k) never join; p = 1 means no nucleus filtering.
    /// </summary>
    static HashSet<int> NaiveNucleus(float[] probs, double p)
    {
        var order = Enumerable.Range(0, probs.Length).Where(i => probs[i] > 0).OrderByDescending(i => probs[i]).ThenBy(i => i);
        if (p >= 1) return [.. order];
        var kept = new HashSet<int>();
        double mass = 0;
        foreach (int i in order)
        {
            kept.Add(i);
            mass += probs[i];
            if (mass >= p) break;
        }
        return kept;
    }

    static HashSet<int> Kept(Tensor filtered) =>
        [.. filtered.data<float>().ToArray().Select((v, i) => (v, i)).Where(x => !float.IsNegativeInfinity(x.v)).Select(x => x.i)];

    public static TheoryData<double[], double> Distributions()
    {
        var random = new Random(3);
        var dirichlet = Enumerable.Range(0, 100).Select(_ => -Math.Log(random.NextDouble())).ToArray();
        double sum = dirichlet.Sum();
        dirichlet = [.. dirichlet.Select(v => v / sum)];
        return new TheoryData<double[], double>
        {
            { [0.5, 0.2, 0.2, 0.1], 0.6 },          // tie at the boundary: the lower id stays
            { [0.25, 0.25, 0.25, 0.25], 0.5 },      // mass exactly p after two tokens
            { [0.25, 0.25, 0.25, 0.25], 0.51 },
            { [0.1, 0.3, 0.3, 0.3], 0.5 },
            { [0.97, 0.01, 0.01, 0.01], 0.9 },      // one token suffices
            { [0.4, 0.3, 0.2, 0.1], 0.999 },        // needs every token
            { dirichlet, 0.3 },
            { dirichlet, 0.9 },
            { dirichlet, 0.97 },
        };
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Top_p_keeps_the_smallest_set_with_mass_at_least_p(double[] distribution, double p)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(distribution.Select(v => (float)Math.Log(v)).ToArray()).unsqueeze(0);
        var probs = logits.softmax(-1)[0].data<float>().ToArray();
        var filtered = LogitFilters.TopKTopP(logits, tensor(new long[] { 0 }), tensor(new[] { (float)p }).view(1, 1));
        Assert.Equal(NaiveNucleus(probs, p).Order(), Kept(filtered[0]).Order());
    }

    [Fact]
    public void Each_row_is_filtered_with_its_own_top_k_and_top_p()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        var logits = randn(4, 64, generator: g) * 2;
        long[] ks = [0, 5, 1, 20];
        double[] ps = [0.8, 1.0, 0.5, 0.6];
        var filtered = LogitFilters.TopKTopP(logits, tensor(ks), tensor(ps.Select(v => (float)v).ToArray()).view(4, 1));
        for (int r = 0; r < 4; r++)
        {
            // Reference: keep the k largest, renormalise, then the naive nucleus.
            var row = logits[r].data<float>().ToArray();
            var topK = ks[r] == 0 ? Enumerable.Range(0, 64).ToHashSet()
                : Enumerable.Range(0, 64).OrderByDescending(i => row[i]).Take((int)ks[r]).ToHashSet();
            var masked = tensor(row.Select((v, i) => topK.Contains(i) ? v : float.NegativeInfinity).ToArray());
            var expected = NaiveNucleus(masked.softmax(-1).data<float>().ToArray(), ps[r]);
            Assert.Equal(expected.Order(), Kept(filtered[r]).Order());
        }
    }

    [Fact]
    public void Temperature_divides_the_logits_before_filtering()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 2, 1, 0, -1 }).unsqueeze(0);
        var probs = TokenSampler.Probabilities(logits, [new SamplingParameters { Temperature = 2 }])[0].data<float>().ToArray();
        double z = new[] { 1.0, 0.5, 0, -0.5 }.Sum(Math.Exp);
        Assert.Equal(Math.Exp(1.0) / z, probs[0], 5);
        Assert.Equal(Math.Exp(-0.5) / z, probs[3], 5);
    }
}
