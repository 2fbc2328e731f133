using Media.Modeling.Sampling;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// A <see cref="GenerationRequest"/> whose tokens come from the shared <see cref="TokenSampler"/>: its logits are read out
/// by a <see cref="TokenHead"/>, guided (for a [cond, uncond] pair) with <see cref="GuidanceScale"/>, and sampled with its
/// own <see cref="Sampling"/> state. The <see cref="StepScheduler"/> does all three for every such request of a step
/// together — one readout per head, one guidance, one batched sampler call, one copy of the tokens to the host — and
/// hands each request its tokens through <see cref="AcceptTokens"/>. Alone (outside a scheduler) it does the same for itself.
/// </summary>
public abstract class SampledRequest : GenerationRequest
{
    /// <summary>Reads its logits out and embeds its tokens; requests sharing the instance are batched together.</summary>
    public abstract TokenHead Head { get; }

    /// <summary>Its sampling parameters and its own generator.</summary>
    public abstract SamplingState Sampling { get; }

    /// <summary>
    /// False when it picks its own tokens in <see cref="GenerationRequest.Accept"/> (a custom picker): then it is read out
    /// with the others but picks alone.
    /// </summary>
    public virtual bool SamplesInBatch => true;

    /// <summary>The guidance scale of the next pick for a two-row request (<c>u + s * (c - u)</c>); ignored for one row.</summary>
    public virtual double GuidanceScale => 1.0;

    /// <summary>The tokens of its last pick ([k] ids), which both of its rows are fed next.</summary>
    public abstract IReadOnlyList<long> LastTokens { get; }

    /// <summary>Records one pick: the k token ids sampled for it.</summary>
    public abstract void AcceptTokens(long[] tokens);

    /// <inheritdoc/>
    public sealed override Tensor Readout(DecoderTransformer model, Tensor hidden) => Head.Readout(model, hidden);

    /// <summary>Guides and samples its own logits [Rows, (k,) vocab], as the scheduler does for a batch of requests.</summary>
    public override void Accept(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        using var scope = NewDisposeScope();
        var guided = Guide(logits.to_type(ScalarType.Float32), [this]);
        AcceptTokens(TokenSampler.Sample(guided, [Sampling]).cpu().reshape(-1).data<long>().ToArray());
    }

    /// <inheritdoc/>
    public sealed override Tensor NextEmbeddings(DecoderTransformer model)
    {
        var last = LastTokens;
        var ids = tensor(last.ToArray(), ScalarType.Int64, model.Device).view(1, -1).expand(Rows, -1);
        return Head.Embed(model, ids);
    }

    /// <summary>
    /// Guided logits [requests, (k,) vocab] of the requests' rows laid out one after another in <paramref name="logits"/>:
    /// a one-row request's own logits, a pair's <c>u + s * (c - u)</c> with its <see cref="GuidanceScale"/>.
    /// </summary>
    internal static Tensor Guide(Tensor logits, IReadOnlyList<SampledRequest> requests)
    {
        using var scope = NewDisposeScope();
        var first = new long[requests.Count];
        var second = new long[requests.Count];
        int row = 0;
        for (int i = 0; i < requests.Count; i++)
        {
            first[i] = row;
            second[i] = requests[i].Rows == 2 ? row + 1 : row;
            row += requests[i].Rows;
        }
        var device = logits.device;
        var conditional = logits.index_select(0, tensor(first, device: device));
        if (requests.All(r => r.Rows == 1)) return conditional.MoveToOuterDisposeScope();
        var unconditional = logits.index_select(0, tensor(second, device: device));
        var scales = requests.Select(r => r.Rows == 2 ? r.GuidanceScale : 1.0).ToArray();
        return ClassifierFreeGuidance.Combine(conditional, unconditional, scales).MoveToOuterDisposeScope();
    }
}
