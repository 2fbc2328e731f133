using Media.Modeling.Layers;
using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.DAr;

/// <summary>
/// D-AR's pixel-space flow decoder (<c>DiffusionCore</c>): the noisy image is cut into patches (<c>conv_in</c>, a Linear over
/// <see cref="ImagePatches"/>), run through SiT-style <see cref="DiTBlock"/>s with 2D RoPE, cross-attention to one group's
/// condition tokens (first <c>cond_mlp</c> + LayerNorm here, then each block's own <c>cond_embed</c> MLP + LayerNorm) and adaLN
/// from the block's own time embedding plus the cross-attention output, then a LayerNorm and the zero-initialised
/// <c>conv_out</c> back to pixels. It predicts the velocity x1 - x0 of x_t = t x1 + (1 - t) x0.
/// With <see cref="DArTokenizerConfig.RepaDim"/> set it also carries REPA's projector (<c>repa_out</c>: Linear-SiLU-Linear-SiLU-Linear,
/// D-AR's 768 -> 2048 -> 2048 -> 768 here d -> 4d -> 4d -> RepaDim), which maps the input of block <see cref="DArTokenizerConfig.RepaBlock"/>
/// to the feature space training aligns it with; decoding never reads it.
/// Keys: <c>cond_mlp</c>, <c>conv_in</c>, <c>conv_out</c>, <c>blocks.{i}.*</c>, <c>time_embeds.{i}.mlp.*</c>
/// (D-AR's <c>blocks.{i}.time_embed.*</c>, renamed by <see cref="DArTokenizerCheckpoint"/>), <c>repa_out.{0,2,4}</c>.
/// </summary>
public sealed class SequentialDiffusionDecoder : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Linear cond_mlp;
    readonly LayerNorm norm;
    readonly Linear conv_in;
    readonly Linear conv_out;
    readonly ModuleList<DiTBlock> blocks;
    readonly ModuleList<TimestepEmbedder> time_embeds;
    readonly RotaryEmbedding rope;
    readonly Sequential? repa_out;
    readonly DArTokenizerConfig config;

    /// <summary>A randomly initialised decoder reading condition tokens of width <paramref name="conditionDim"/>.</summary>
    public SequentialDiffusionDecoder(DArTokenizerConfig config, int conditionDim) : base(nameof(SequentialDiffusionDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        this.config = config;
        int d = config.DecoderDim, p = config.DecoderPatchSize, heads = d / config.HeadDim;
        cond_mlp = nn.Linear(conditionDim, d);
        norm = nn.LayerNorm(d, eps: 1e-6, elementwise_affine: false);
        conv_in = nn.Linear(3 * p * p, d);
        conv_out = nn.Linear(d, 3 * p * p);
        var options = new DiTBlockOptions(d, heads)
        {
            MlpRatio = config.MlpRatio, CrossAttention = true, ContextMlp = true, RotateCrossAttentionQueries = true, QkNorm = true, SiluMlp = true,
        };
        blocks = nn.ModuleList(Enumerable.Range(0, config.DecoderDepth).Select(_ => new DiTBlock(options)).ToArray());
        // D-AR: TimestepEmbedder(dim) with a frequency embedding as wide as the block.
        time_embeds = nn.ModuleList(Enumerable.Range(0, config.DecoderDepth).Select(_ => new TimestepEmbedder(d, frequencySize: d)).ToArray());
        rope = new RotaryEmbedding(RotarySpec.TwoD(config.DecoderGrid), config.HeadDim, config.DecoderGrid * config.DecoderGrid, 10000);
        if (config.RepaDim > 0) repa_out = nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, 4 * d), nn.SiLU(), nn.Linear(4 * d, config.RepaDim));
        RegisterComponents();
        using (no_grad())
        {
            foreach (var module in modules().OfType<Linear>())
            {
                DArTokenizer.TruncatedNormal(module.weight!, 0.02);
                module.bias?.zero_();
            }
            foreach (var block in blocks) block.ZeroInitializeModulation();
            conv_out.weight!.zero_();
            conv_out.bias!.zero_();
        }
    }

    /// <summary>Velocity [B, 3, H, W] at x_t [B, 3, H, W], times t [B] in [0, 1] and one group's condition tokens [B, n, conditionDim].</summary>
    public override Tensor forward(Tensor xt, Tensor t, Tensor condition) => Run(xt, t, condition, repa: false).Velocity;

    /// <summary>
    /// The velocity, and with <paramref name="repa"/> the REPA projection [B, grid², RepaDim] of block <see cref="DArTokenizerConfig.RepaBlock"/>'s
    /// input (row-major over the decoder's patch grid); <paramref name="repa"/> needs a decoder built with <see cref="DArTokenizerConfig.RepaDim"/>.
    /// </summary>
    public (Tensor Velocity, Tensor? Repa) Run(Tensor xt, Tensor t, Tensor condition, bool repa)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(condition);
        int g = config.DecoderGrid, p = config.DecoderPatchSize;
        if (xt.dim() != 4 || xt.shape[1] != 3 || xt.shape[2] != config.ImageSize || xt.shape[3] != config.ImageSize)
            throw new ArgumentException($"x_t must be [B, 3, {config.ImageSize}, {config.ImageSize}], got [{string.Join(", ", xt.shape)}].", nameof(xt));
        if (repa && repa_out is null) throw new InvalidOperationException("This decoder has no REPA projector (repa_dim is 0).");
        using var scope = NewDisposeScope();
        long b = xt.shape[0];
        var context = norm.call(cond_mlp.call(condition));
        var positions = arange(g * g, ScalarType.Int64, xt.device).unsqueeze(0);
        var (cos, sin) = rope.At(positions);
        var inputs = new AttentionInputs { Rope = rope, Cos = cos, Sin = sin };
        var h = conv_in.call(ImagePatches.Split(xt, p));
        // D-AR embeds t * 1000 (DiT's integer-step scale) with the sinusoid.
        var scaled = t.to(xt.dtype) * 1000;
        Tensor? projected = null;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (repa && i == config.RepaBlock) projected = repa_out!.call(h);
            h = blocks[i].Run(h, time_embeds[i].call(scaled), context, inputs).Output;
        }
        var velocity = ImagePatches.Merge(conv_out.call(norm.call(h)), p, g, g).view(b, 3, config.ImageSize, config.ImageSize).MoveToOuterDisposeScope();
        return (velocity, projected?.MoveToOuterDisposeScope());
    }
}
