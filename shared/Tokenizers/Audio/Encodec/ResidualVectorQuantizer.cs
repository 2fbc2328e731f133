using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// Residual vector quantization (HF <c>EncodecResidualVectorQuantizer</c>, <c>layers.{k}.codebook</c>):
/// each codebook quantizes what the previous ones left; decoding sums the chosen codes.
/// </summary>
public sealed class ResidualVectorQuantizer : nn.Module
{
    readonly ModuleList<EncodecVectorQuantization> layers;

    /// <summary>Creates <paramref name="numQuantizers"/> codebooks of <paramref name="codebookSize"/> x <paramref name="dimension"/>.</summary>
    public ResidualVectorQuantizer(int numQuantizers, long codebookSize, long dimension) : base(nameof(ResidualVectorQuantizer))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numQuantizers);
        layers = nn.ModuleList([.. Enumerable.Range(0, numQuantizers).Select(_ => new EncodecVectorQuantization(codebookSize, dimension))]);
        NumQuantizers = numQuantizers;
        CodebookSize = codebookSize;
        RegisterComponents();
    }

    /// <summary>Codebooks available.</summary>
    public int NumQuantizers { get; }

    /// <summary>Entries per codebook.</summary>
    public long CodebookSize { get; }

    /// <summary>The codebooks in order.</summary>
    public IReadOnlyList<EncodecVectorQuantization> Layers => [.. layers];

    /// <summary>Latents [B, D, T] to codes [B, n, T] with the first <paramref name="numCodebooks"/> codebooks.</summary>
    public Tensor Encode(Tensor latents, int numCodebooks)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (numCodebooks < 1 || numCodebooks > NumQuantizers)
            throw new ArgumentOutOfRangeException(nameof(numCodebooks), numCodebooks, $"Use 1 to {NumQuantizers} codebooks.");
        using var scope = NewDisposeScope();
        var residual = latents;
        var codes = new List<Tensor>(numCodebooks);
        for (int k = 0; k < numCodebooks; k++)
        {
            var indices = layers[k].Encode(residual);
            residual = residual - layers[k].Decode(indices);
            codes.Add(indices);
        }
        return stack(codes, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Codes [B, n, T] to latents [B, D, T]: the sum of codebook k's vector for code k, k &lt; n.</summary>
    public Tensor Decode(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 3 || codes.shape[1] < 1 || codes.shape[1] > NumQuantizers)
            throw new ArgumentException($"Codes must be [batch, 1..{NumQuantizers} codebooks, frames]; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        for (int k = 0; k < codes.shape[1]; k++)
        {
            var vectors = layers[k].Decode(codes.select(1, k));
            sum = sum is null ? vectors : sum + vectors;
        }
        return sum!.MoveToOuterDisposeScope();
    }
}
