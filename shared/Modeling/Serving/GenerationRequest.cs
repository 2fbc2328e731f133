using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// One sequence (or one CFG pair of sequences) served by a <see cref="StepScheduler"/>. The request knows its
/// prompt, turns the logits of its latest position into its next token, says what to feed next, and says
/// when it is done; the scheduler owns the batching, the cache slots and the timing. The scheduler calls
/// these members from its own thread only, inside a dispose scope, so returned tensors need no care.
/// </summary>
public abstract class GenerationRequest : ScheduledRequest
{
    /// <summary>Cache rows it holds and steps together: 1, or 2 for a [cond, uncond] CFG pair.</summary>
    public abstract int Rows { get; }

    /// <summary>Positions of prompt input (condition embeddings and/or prompt tokens) before the first sampled token.</summary>
    public abstract int PromptLength { get; }

    /// <summary>Upper bound on the tokens it samples; with the prompt it sizes the cache it needs.</summary>
    public abstract int MaxNewTokens { get; }

    /// <summary>
    /// The encoder memory its rows cross-attend to ([Rows, M, dim]; a CFG pair's second row its unconditional memory), for a
    /// decoder with <see cref="TransformerConfig.CrossAttention"/>; the scheduler writes it to the cache once, before the
    /// first prompt chunk. Null (the default) for a decoder without cross-attention.
    /// </summary>
    public virtual CrossMemory? Memory(DecoderTransformer model) => null;

    /// <summary>Prompt input embeddings [Rows, count, dim] for prompt positions start..start+count-1.</summary>
    public abstract Tensor PromptEmbeddings(DecoderTransformer model, int start, int count);

    /// <summary>
    /// Sees the final hidden states [Rows, count, dim] of every prompt chunk, from prompt position <paramref name="start"/>,
    /// before the last chunk's pick: a model whose second transformer reads the first one's states at every position
    /// (LeVo's sub-decoder) prefills from them. Does nothing by default.
    /// </summary>
    public virtual void PromptHidden(DecoderTransformer model, Tensor hidden, int start)
    {
    }

    /// <summary>
    /// What <see cref="Accept"/> reads from the final hidden states [Rows, dim] of the latest position: the model's
    /// vocabulary logits by default; a model with its own output side (Token-Shuffle's unshuffle) overrides it.
    /// </summary>
    public virtual Tensor Readout(DecoderTransformer model, Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Logits(hidden);
    }

    /// <summary>Takes the <see cref="Readout"/> of the latest position (by default logits [Rows, vocab]) and records the token it picks.</summary>
    public abstract void Accept(Tensor logits);

    /// <summary>Input embeddings [Rows, 1, dim] of the token picked last, for the next decode step.</summary>
    public abstract Tensor NextEmbeddings(DecoderTransformer model);

    /// <summary>True once it needs no more tokens.</summary>
    public abstract bool IsDone { get; }

    /// <summary>Cache positions it may occupy: the last sampled token is never fed back.</summary>
    internal int CachePositions => PromptLength + MaxNewTokens - 1;

    internal SlotGroup? Slots { get; set; }

    internal int Prefilled { get; set; }

    internal bool PrefillDone => Prefilled == PromptLength;
}
