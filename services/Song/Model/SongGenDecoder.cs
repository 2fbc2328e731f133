using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.Model;

/// <summary>
/// SongGen's decoder (<c>SongGenForCausalLM</c>): one embedding table per token stream (<c>embed_tokens.{s}</c>), summed per
/// step (and halved for the parallel modes' 2K streams, as SongGen averages the two tracks), the shared cross-attending
/// <see cref="DecoderTransformer"/>, and one head per stream (<c>lm_heads.{s}</c>); mixed-pro adds the auxiliary vocal heads
/// (<c>vocal_lm_heads.{k}</c>), trained beside the mix heads and unused in generation.
/// </summary>
public sealed class SongGenDecoder : nn.Module
{
    readonly ModuleList<Embedding> embed_tokens;
    readonly DecoderTransformer transformer;
    readonly ModuleList<Linear> lm_heads;
    readonly ModuleList<Linear>? vocal_lm_heads;
    readonly double embeddingScale;

    /// <summary>The decoder of <paramref name="config"/>.</summary>
    public SongGenDecoder(SongGenConfig config) : base(nameof(SongGenDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        int streams = config.Streams;
        embed_tokens = nn.ModuleList(Enumerable.Range(0, streams).Select(_ => nn.Embedding(config.StreamVocabulary, config.Dim)).ToArray());
        // SongGen's init (Parler-TTS / MusicGen `_init_weights`: normal, std initializer_factor 0.02), not torch's N(0, 1):
        // a sum of K unit-variance code embeddings makes a residual stream that the blocks' outputs, the cross-attention's
        // reading of the description among them, barely move at the start of training.
        using (no_grad())
            foreach (var embedding in embed_tokens) nn.init.normal_(embedding.weight!, 0, InitialEmbeddingStd);
        transformer = new DecoderTransformer(config.Decoder);
        lm_heads = nn.ModuleList(Enumerable.Range(0, streams).Select(_ => nn.Linear(config.Dim, config.StreamVocabulary, hasBias: false)).ToArray());
        if (config.HasVocalHeads)
            vocal_lm_heads = nn.ModuleList(Enumerable.Range(0, config.Codebooks).Select(_ => nn.Linear(config.Dim, config.StreamVocabulary, hasBias: false)).ToArray());
        embeddingScale = 1.0 / (streams / config.Codebooks);
        RegisterComponents();
    }

    /// <summary>Standard deviation of a fresh model's code embeddings (SongGen's <c>initializer_factor</c>).</summary>
    public const double InitialEmbeddingStd = 0.02;

    /// <summary>The shape.</summary>
    public SongGenConfig Config { get; }

    /// <summary>The shared transformer (cross-attending).</summary>
    public DecoderTransformer Transformer => transformer;

    /// <summary>Input embeddings [B, T, dim] of stream ids [B, streams, T].</summary>
    public Tensor Embed(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.dim() != 3 || ids.shape[1] != embed_tokens.Count)
            throw new ArgumentException($"Stream ids must be [B, {embed_tokens.Count}, T], got [{string.Join(", ", ids.shape)}].", nameof(ids));
        TokenIdRange.Check(ids.contiguous(), Config.StreamVocabulary, "Stream ids", nameof(ids));
        using var scope = NewDisposeScope();
        Tensor sum = embed_tokens[0].call(ids.select(1, 0));
        for (int s = 1; s < embed_tokens.Count; s++) sum = sum + embed_tokens[s].call(ids.select(1, s));
        return (embeddingScale == 1 ? sum : sum * embeddingScale).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [..., streams, vocabulary] of hidden states [..., dim], one head per stream.</summary>
    public Tensor Heads(Tensor hidden) => Stack(lm_heads, hidden);

    /// <summary>Mixed-pro's auxiliary vocal logits [..., K, vocabulary]; throws for other modes and for an exported mixed-pro folder.</summary>
    public Tensor VocalHeads(Tensor hidden) => Stack(vocal_lm_heads ?? throw new InvalidOperationException("Only a mixed-pro model in training has vocal heads."), hidden);

    static Tensor Stack(ModuleList<Linear> heads, Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        return stack(heads.Select(h => h.call(hidden)).ToArray(), -2).MoveToOuterDisposeScope();
    }
}
