using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Token-Shuffle's output and input side for the step scheduler: hidden states to the s² code logits of the next
/// window (token-unshuffle), and a sampled window back to one input token (token-shuffle), for every row of a step at once.
/// </summary>
public sealed class TokenShuffleHead(TokenShuffleModel shuffleModel) : TokenHead
{
    /// <summary>Logits [N, s², codebook] of hidden states [N, dim].</summary>
    public override Tensor Readout(DecoderTransformer model, Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        return shuffleModel.WindowLogits(hidden.unsqueeze(1)).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Input embeddings [N, 1, dim] of windows [N, s²].</summary>
    public override Tensor Embed(DecoderTransformer model, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        return shuffleModel.EmbedWindows(tokens.unsqueeze(1)).MoveToOuterDisposeScope();
    }
}
