using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.Mar;

/// <summary>
/// MAR's diffusion-head network (models/diffloss.py): x -> input_proj; y = time_embed(t) + cond_embed(z);
/// `res_blocks.{i}`: x + gate * mlp(modulate(in_ln(x), shift, scale)) with adaLN SiLU -> Linear(w, 3w);
/// `final_layer`: modulate(norm_final(x)) -> Linear to 2 x channels (epsilon, then the variance
/// interpolation v). Inputs are per-token vectors [N, C]; MAR's initialisation (xavier, zeroed adaLN and output).
/// </summary>
public sealed class SimpleMlpAdaLn : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly TimestepEmbedder time_embed;
    readonly Linear cond_embed;
    readonly Linear input_proj;
    readonly ModuleList<AdaLnResBlock> res_blocks;
    readonly AdaLnFinalLayer final_layer;

    /// <summary>A head for tokens of <paramref name="channels"/>, conditioned on <paramref name="zChannels"/>-wide vectors.</summary>
    public SimpleMlpAdaLn(int channels, int width, int zChannels, int depth) : base(nameof(SimpleMlpAdaLn))
    {
        Channels = channels;
        time_embed = new TimestepEmbedder(width);
        cond_embed = nn.Linear(zChannels, width);
        input_proj = nn.Linear(channels, width);
        res_blocks = new ModuleList<AdaLnResBlock>([.. Enumerable.Range(0, depth).Select(_ => new AdaLnResBlock(width))]);
        final_layer = new AdaLnFinalLayer(width, 2 * channels);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>Channels of a token.</summary>
    public int Channels { get; }

    /// <summary>Output [N, 2C] (epsilon, v) for noisy tokens x [N, C], original timesteps t [N] and conditions c [N, Z].</summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor c)
    {
        using var scope = NewDisposeScope();
        var h = input_proj.call(x);
        var y = time_embed.call(t) + cond_embed.call(c);
        foreach (var block in res_blocks) h = block.call(h, y);
        return final_layer.call(h, y).MoveToOuterDisposeScope();
    }

    void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
            if (module is Linear linear)
            {
                nn.init.xavier_uniform_(linear.weight!);
                linear.bias?.zero_();
            }
        foreach (var (name, p) in named_parameters())
        {
            if (name is "time_embed.mlp.0.weight" or "time_embed.mlp.2.weight") nn.init.normal_(p, 0, 0.02);
            if (name.Contains("adaLN_modulation", StringComparison.Ordinal) || name.StartsWith("final_layer.linear", StringComparison.Ordinal)) p.zero_();
        }
    }
}

/// <summary>The head's residual block: `in_ln`, `mlp.{0,2}` (Linear-SiLU-Linear), `adaLN_modulation.1`.</summary>
public sealed class AdaLnResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm in_ln;
    readonly Sequential mlp;
    readonly Sequential adaLN_modulation;

    internal AdaLnResBlock(int width) : base(nameof(AdaLnResBlock))
    {
        in_ln = nn.LayerNorm(width, eps: 1e-6);
        using (no_grad())
        {
            in_ln.weight!.fill_(1);
            in_ln.bias!.zero_();
        }
        mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width));
        adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 3 * width));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var chunks = adaLN_modulation.call(y).chunk(3, -1);
        var h = mlp.call(Modulation.Modulate(in_ln.call(x), chunks[0], chunks[1]));
        return (x + chunks[2] * h).MoveToOuterDisposeScope();
    }
}

/// <summary>The head's final layer (DiT's): `norm_final` (no affine), `adaLN_modulation.1` (shift, scale), `linear`.</summary>
public sealed class AdaLnFinalLayer : nn.Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm norm_final;
    readonly Linear linear;
    readonly Sequential adaLN_modulation;

    /// <summary>A final layer from <paramref name="width"/> features to <paramref name="outChannels"/> (DiT's, also used by the latent DiT).</summary>
    public AdaLnFinalLayer(int width, int outChannels) : base(nameof(AdaLnFinalLayer))
    {
        norm_final = nn.LayerNorm(width, eps: 1e-6, elementwise_affine: false);
        linear = nn.Linear(width, outChannels);
        adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var chunks = adaLN_modulation.call(y).chunk(2, -1);
        return linear.call(Modulation.Modulate(norm_final.call(x), chunks[0], chunks[1])).MoveToOuterDisposeScope();
    }
}
