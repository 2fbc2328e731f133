using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// The output and input side of a token model, row by row: hidden states to logits, picked token ids to the next
/// input embeddings. <see cref="SampledRequest"/>s that share one head instance are read out in one product and
/// embedded in one lookup per step, whatever request each row belongs to.
/// </summary>
public abstract class TokenHead
{
    /// <summary>The decoder's own vocabulary output and token embedding (<see cref="DecoderTransformer.Logits"/>, <see cref="DecoderTransformer.Embed"/>).</summary>
    public static TokenHead Vocabulary { get; } = new VocabularyHead();

    /// <summary>Logits [N, (k,) vocab] of final hidden states [N, dim]; each row's logits depend on that row alone.</summary>
    public abstract Tensor Readout(DecoderTransformer model, Tensor hidden);

    /// <summary>Input embeddings [N, 1, dim] of the picked token ids [N, k] (k tokens per step: 1, or a Token-Shuffle window).</summary>
    public abstract Tensor Embed(DecoderTransformer model, Tensor tokens);

    sealed class VocabularyHead : TokenHead
    {
        public override Tensor Readout(DecoderTransformer model, Tensor hidden)
        {
            ArgumentNullException.ThrowIfNull(model);
            return model.Logits(hidden);
        }

        public override Tensor Embed(DecoderTransformer model, Tensor tokens)
        {
            ArgumentNullException.ThrowIfNull(model);
            return model.Embed(tokens);
        }
    }
}
