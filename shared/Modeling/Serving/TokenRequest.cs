using Media.Modeling.Sampling;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// A token-in, token-out request: a prompt of token ids, up to <see cref="MaxNewTokens"/> sampled tokens, an
/// optional stop token, and optionally classifier-free guidance with an unconditional prompt of the same length
/// (its two rows step together; logits = u + (c - u) * scale, and both rows are fed the picked token).
/// Greedy requests (no picker given) are read out, guided and picked together with the step's other requests.
/// </summary>
public sealed class TokenRequest : SampledRequest
{
    // Greedy rows never draw, so every greedy request can share one state (its generator is never advanced).
    static readonly SamplingState GreedyState = new(SamplingParameters.Greedy);

    readonly long[][] prompts;
    readonly Func<Tensor, long>? pick;
    readonly double guidanceScale;
    readonly long? stopToken;
    readonly List<long> tokens = [];

    /// <summary>
    /// Creates the request; <paramref name="pick"/> maps the (guided) logits [vocab] to a token id and defaults to
    /// greedy argmax.
    /// </summary>
    public TokenRequest(IReadOnlyList<long> prompt, int maxNewTokens, Func<Tensor, long>? pick = null,
        IReadOnlyList<long>? unconditionalPrompt = null, double guidanceScale = 1.0, long? stopToken = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Count == 0) throw new ArgumentException("The prompt needs at least one token.", nameof(prompt));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNewTokens);
        if (unconditionalPrompt is not null && unconditionalPrompt.Count != prompt.Count)
            throw new ArgumentException(
                $"The unconditional prompt has {unconditionalPrompt.Count} tokens, the prompt {prompt.Count}; a CFG pair steps together, so pad them to one length.",
                nameof(unconditionalPrompt));
        prompts = unconditionalPrompt is null ? [prompt.ToArray()] : [prompt.ToArray(), unconditionalPrompt.ToArray()];
        MaxNewTokens = maxNewTokens;
        this.pick = pick;
        this.guidanceScale = guidanceScale;
        this.stopToken = stopToken;
    }

    /// <summary>Picks the highest logit.</summary>
    public static long Greedy(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        return logits.argmax().item<long>();
    }

    /// <summary>The tokens sampled so far (complete once <see cref="GenerationRequest.Completion"/> finishes).</summary>
    public IReadOnlyList<long> Tokens => tokens;

    /// <inheritdoc/>
    public override int Rows => prompts.Length;

    /// <inheritdoc/>
    public override int PromptLength => prompts[0].Length;

    /// <inheritdoc/>
    public override int MaxNewTokens { get; }

    /// <inheritdoc/>
    public override bool IsDone => tokens.Count >= MaxNewTokens || (stopToken is long stop && tokens.Count > 0 && tokens[^1] == stop);

    /// <inheritdoc/>
    public override TokenHead Head => TokenHead.Vocabulary;

    /// <inheritdoc/>
    public override SamplingState Sampling => GreedyState;

    /// <inheritdoc/>
    public override bool SamplesInBatch => pick is null;

    /// <inheritdoc/>
    public override double GuidanceScale => guidanceScale;

    /// <inheritdoc/>
    public override IReadOnlyList<long> LastTokens => [tokens[^1]];

    /// <inheritdoc/>
    public override void AcceptTokens(long[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length != 1) throw new ArgumentException($"A token request picks one token per step, got {tokens.Length}.", nameof(tokens));
        this.tokens.Add(tokens[0]);
    }

    /// <inheritdoc/>
    public override Tensor PromptEmbeddings(DecoderTransformer model, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ids = prompts.SelectMany(p => p.Skip(start).Take(count)).ToArray();
        return model.Embed(tensor(ids, ScalarType.Int64, model.Device).view(Rows, count));
    }

    /// <inheritdoc/>
    public override void Accept(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (pick is null)
        {
            base.Accept(logits);
            return;
        }
        var guided = Rows == 1 ? logits[0] : logits[1] + (logits[0] - logits[1]) * guidanceScale;
        tokens.Add(pick(guided));
    }
}
