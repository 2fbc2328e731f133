using Media.Modeling.Layers;
using Media.Services.Image.Mar;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.LatentDiffusion;

/// <summary>
/// A text-conditioned latent DiT (DiT, Peebles and Xie, with PixArt-style text conditioning): the latent grid
/// [B, C, H, W] is split into p x p patches (<c>x_embedder</c>, the patch convolution as a Linear) with a learned
/// <c>pos_embed</c>; the timestep goes through <c>t_embedder</c> into every block's adaLN-Zero modulation; the caption ids
/// go through <c>caption_emb</c> + <c>caption_pos</c> and a small pre-norm encoder (<c>text_blocks</c>, <c>text_norm</c>)
/// that every block (<c>blocks</c>, the shared <see cref="DiTBlock"/> with cross-attention) reads; <c>final_layer</c>
/// (adaLN, Linear) predicts epsilon per patch. The empty caption (all pad ids) is the unconditional branch of CFG.
/// </summary>
public sealed class LatentDiT : nn.Module
{
    readonly Linear x_embedder;
    readonly Parameter pos_embed;
#pragma warning disable IDE1006 // the checkpoint key is t_embedder (DiT's name); the analyzer reads t_ as a prefix
    readonly TimestepEmbedder t_embedder;
#pragma warning restore IDE1006
    readonly Embedding caption_emb;
    readonly Parameter caption_pos;
    readonly ModuleList<VitBlock> text_blocks;
    readonly LayerNorm text_norm;
    readonly ModuleList<DiTBlock> blocks;
    readonly AdaLnFinalLayer final_layer;

    /// <summary>Builds the model with DiT's initialisation for <paramref name="config"/> and a caption vocabulary of <paramref name="vocabularySize"/> ids.</summary>
    public LatentDiT(LdmConfig config, int vocabularySize) : base(nameof(LatentDiT))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        Config = config;
        int d = config.HiddenSize;
        x_embedder = nn.Linear(config.TokenDim, d);
        pos_embed = new Parameter(zeros(1, (long)config.GridSize * config.GridSize, d));
        t_embedder = new TimestepEmbedder(d);
        caption_emb = nn.Embedding(vocabularySize, d);
        caption_pos = new Parameter(zeros(1, config.TextLength, d));
        text_blocks = new ModuleList<VitBlock>([.. Enumerable.Range(0, config.TextDepth).Select(_ => new VitBlock(d, config.NumHeads, config.MlpRatio))]);
        text_norm = nn.LayerNorm(d, eps: 1e-6);
        blocks = new ModuleList<DiTBlock>([.. Enumerable.Range(0, config.Depth).Select(_ => new DiTBlock(d, config.NumHeads, config.MlpRatio, crossAttention: true))]);
        final_layer = new AdaLnFinalLayer(d, config.TokenDim);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>The configuration.</summary>
    public LdmConfig Config { get; }

    void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            if (module is Linear linear)
            {
                nn.init.xavier_uniform_(linear.weight!);
                linear.bias?.zero_();
            }
        }
        foreach (var p in new[] { pos_embed, caption_pos, caption_emb.weight! }) nn.init.normal_(p, 0, 0.02);
        foreach (var (name, p) in t_embedder.named_parameters())
            if (name.EndsWith("weight", StringComparison.Ordinal)) nn.init.normal_(p, 0, 0.02);
        // adaLN-Zero: every block starts as the identity, and the output as zero.
        foreach (var block in blocks) block.ZeroInitializeModulation();
        foreach (var (name, p) in final_layer.named_parameters()) p.zero_();
    }

    /// <summary>Caption ids [B, L] to the context [B, L, D] the blocks cross-attend to.</summary>
    public Tensor EncodeCaption(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.dim() != 2 || ids.shape[1] != Config.TextLength)
            throw new ArgumentException($"Caption ids must be [B, {Config.TextLength}], got [{string.Join(", ", ids.shape)}].", nameof(ids));
        using var scope = NewDisposeScope();
        var h = caption_emb.call(ids) + caption_pos;
        foreach (var block in text_blocks) h = block.call(h);
        return text_norm.call(h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Epsilon [B, C, H, W] for noisy latents <paramref name="latents"/> at (original) timesteps <paramref name="timesteps"/> [B]
    /// given an encoded caption <paramref name="context"/> [B, L, D]. <paramref name="contextWeights"/> [B, L] re-weights the
    /// cross-attention to each caption position (MagicMix's control of the content word's strength); null: plain attention.
    /// </summary>
    public Tensor Denoise(Tensor latents, Tensor timesteps, Tensor context, Tensor? contextWeights = null)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentNullException.ThrowIfNull(context);
        int grid = Config.GridSize, p = Config.PatchSize;
        if (latents.dim() != 4 || latents.shape[1] != Config.VaeEmbedDim || latents.shape[2] != Config.LatentSize || latents.shape[3] != Config.LatentSize)
            throw new ArgumentException($"Latents must be [B, {Config.VaeEmbedDim}, {Config.LatentSize}, {Config.LatentSize}], got [{string.Join(", ", latents.shape)}].", nameof(latents));
        using var scope = NewDisposeScope();
        var x = x_embedder.call(ImagePatches.Split(latents, p)) + pos_embed;
        var c = t_embedder.call(timesteps.to_type(ScalarType.Float32));
        foreach (var block in blocks) x = block.Run(x, c, context, null, contextWeights).Output;
        return ImagePatches.Merge(final_layer.call(x, c), p, grid, grid).MoveToOuterDisposeScope();
    }

    /// <summary>Epsilon for noisy latents given caption ids [B, L] (encodes the caption, then <see cref="Denoise"/>).</summary>
    public Tensor Forward(Tensor latents, Tensor timesteps, Tensor captionIds)
    {
        using var scope = NewDisposeScope();
        return Denoise(latents, timesteps, EncodeCaption(captionIds)).MoveToOuterDisposeScope();
    }
}
