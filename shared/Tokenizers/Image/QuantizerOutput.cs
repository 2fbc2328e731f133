using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>What the vector quantizer returns for a batch of encoder outputs.</summary>
/// <param name="Quantized">Codes in place of the inputs, [B, D, H, W], with straight-through gradients to the inputs.</param>
/// <param name="Indices">Code ids, [B, H, W] (int64).</param>
/// <param name="CodebookLoss">mean((code - sg(z))^2): pulls codes towards the encoder outputs.</param>
/// <param name="CommitmentLoss">beta * mean((sg(code) - z)^2): keeps the encoder near its codes.</param>
/// <param name="EntropyLoss">LlamaGen's entropy loss times its ratio (zero when the ratio is 0).</param>
/// <param name="Perplexity">exp(entropy) of the batch's code histogram: the effective number of codes in use.</param>
/// <param name="BatchUsage">Fraction of the codebook used at least once in this batch.</param>
public sealed record QuantizerOutput(Tensor Quantized, Tensor Indices, Tensor CodebookLoss, Tensor CommitmentLoss, Tensor EntropyLoss,
    double Perplexity, double BatchUsage)
{
    /// <summary>Codebook + commitment + entropy loss.</summary>
    public Tensor Loss => CodebookLoss.add(CommitmentLoss).add(EntropyLoss);

    /// <summary>Moves every tensor to the enclosing dispose scope (for returning from a scoped method).</summary>
    public QuantizerOutput MoveToOuterDisposeScope()
    {
        foreach (var t in new[] { Quantized, Indices, CodebookLoss, CommitmentLoss, EntropyLoss }) t.MoveToOuterDisposeScope();
        return this;
    }
}
