using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>Residual vector quantization against a naive double-precision loop.</summary>
public sealed class ResidualVectorQuantizerTests
{
    const int Codebooks = 5, Size = 12, Dim = 6;

    [Fact]
    public void Encode_picks_the_nearest_code_of_each_residual_and_decode_sums_the_lookups()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var rvq = new ResidualVectorQuantizer(Codebooks, Size, Dim);
        var latents = randn(2, Dim, 9);

        var codes = rvq.Encode(latents, 4);
        var decoded = rvq.Decode(codes);

        var books = Enumerable.Range(0, Codebooks).Select(k => rvq.Layers[k].Codebook.Embed.to_type(ScalarType.Float64).data<double>().ToArray()).ToArray();
        var x = latents.to_type(ScalarType.Float64);
        Assert.Equal(new long[] { 2, 4, 9 }, codes.shape);
        for (int b = 0; b < 2; b++)
        {
            for (int t = 0; t < 9; t++)
            {
                var residual = Enumerable.Range(0, Dim).Select(d => x[b, d, t].item<double>()).ToArray();
                var sum = new double[Dim];
                for (int k = 0; k < 4; k++)
                {
                    int best = 0;
                    double bestDistance = double.PositiveInfinity;
                    for (int c = 0; c < Size; c++)
                    {
                        double distance = 0;
                        for (int d = 0; d < Dim; d++) distance += Math.Pow(residual[d] - books[k][c * Dim + d], 2);
                        if (distance < bestDistance) (best, bestDistance) = (c, distance);
                    }
                    Assert.Equal(best, codes[b, k, t].item<long>());
                    for (int d = 0; d < Dim; d++)
                    {
                        residual[d] -= books[k][best * Dim + d];
                        sum[d] += books[k][best * Dim + d];
                    }
                }
                for (int d = 0; d < Dim; d++) Assert.Equal(sum[d], decoded[b, d, t].item<float>(), 1e-5);
            }
        }
    }

    [Fact]
    public void Asking_for_more_codebooks_than_exist_is_rejected()
    {
        using var scope = NewDisposeScope();
        using var rvq = new ResidualVectorQuantizer(2, Size, Dim);
        Assert.Throws<ArgumentOutOfRangeException>(() => rvq.Encode(randn(1, Dim, 3), 3));
        Assert.Throws<ArgumentException>(() => rvq.Decode(zeros([1, 3, 3], ScalarType.Int64)));
    }
}
