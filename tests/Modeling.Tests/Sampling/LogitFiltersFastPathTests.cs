using Media.Modeling.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Sampling;

/// <summary>
/// The sampler filters with the least work the settings need (no sort without top-p, top-p over the top-k survivors
/// only); these tests hold it to the full stable sort of the whole vocabulary it replaced (<see cref="LogitFilters.TopKTopP"/>).
/// </summary>
public sealed class LogitFiltersFastPathTests
{
    /// <summary>The filter as it was: temperature for every row, then one stable sort of the whole vocabulary.</summary>
    static Tensor FullSort(Tensor logits, SamplingParameters[] rows)
    {
        long[] view = logits.dim() == 3 ? [rows.Length, 1, 1] : [rows.Length, 1];
        var temperature = tensor(rows.Select(r => (float)(r.IsGreedy ? 1.0 : r.Temperature)).ToArray()).view(view);
        var topK = tensor(rows.Select(r => (long)(r.IsGreedy ? 0 : r.TopK)).ToArray());
        var topP = tensor(rows.Select(r => (float)(r.IsGreedy ? 1.0 : r.TopP)).ToArray()).view(view);
        return LogitFilters.TopKTopP(logits.to_type(ScalarType.Float32) / temperature, topK, topP);
    }

    static SamplingParameters[] Rows(ulong seed) =>
    [
        new() { Temperature = 1.0, TopK = 100, Seed = seed },                   // top-k only (the image default)
        new() { Temperature = 0.7, TopK = 40, TopP = 0.9, Seed = seed + 1 },    // top-p over the top-k survivors
        new() { Temperature = 1.3, TopP = 0.8, Seed = seed + 2 },               // top-p without top-k: the whole order
        SamplingParameters.Greedy,
        new() { Temperature = 1.0, Seed = seed + 4 },                           // nothing to filter
        new() { Temperature = 1.0, TopK = 3, TopP = 0.5, Seed = seed + 5 },
    ];

    public static TheoryData<bool, bool> Shapes() => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_setting_keeps_exactly_the_tokens_the_full_sort_kept(bool windows, bool ties)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(21);
        var rows = Rows(5);
        long[] shape = windows ? [rows.Length, 4, 512] : [rows.Length, 512];
        var logits = randn(shape, generator: g) * 3;
        // Coarse logits tie often, at the k-th boundary and inside the nucleus: ties must be kept and ordered by id alike.
        if (ties) logits = (logits * 2).round() / 2;
        foreach (var subset in new[] { rows, rows[..1], rows[1..2], rows[3..5] })
        {
            var x = logits.narrow(0, Array.IndexOf(rows, subset[0]), subset.Length);
            var expected = FullSort(x, subset);
            var actual = LogitFilters.Apply(x, subset);
            Assert.True(expected.isinf().eq(actual.isinf()).all().item<bool>(), "the same tokens are removed");
            Assert.True(expected.nan_to_num(0, 0, 0).eq(actual.nan_to_num(0, 0, 0)).all().item<bool>(), "the kept logits are unchanged");
        }
    }

    [Fact]
    public void The_same_seeds_sample_the_same_tokens_as_the_full_sort()
    {
        using var scope = NewDisposeScope();
        var rows = Rows(40);
        using var g = new Generator(3);
        var steps = Enumerable.Range(0, 12).Select(_ => randn([rows.Length, 4, 300], generator: g) * 2).ToArray();
        var states = rows.Select(r => new SamplingState(r)).ToArray();
        var referenceGenerators = rows.Select(r => new Generator(r.Seed)).ToArray();
        foreach (var logits in steps)
        {
            var tokens = TokenSampler.Sample(logits, states).data<long>().ToArray();
            var probs = FullSort(logits, rows).softmax(-1);
            var expected = rows.SelectMany((r, i) => r.IsGreedy
                ? logits[i].argmax(-1).data<long>().ToArray()
                : multinomial(probs[i], 1, generator: referenceGenerators[i]).squeeze(-1).data<long>().ToArray()).ToArray();
            Assert.Equal(expected, tokens);
        }
        foreach (var s in states) s.Dispose();
        foreach (var r in referenceGenerators) r.Dispose();
    }
}
