using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Vocos;

/// <summary>
/// Vocos's backbone: <c>embed</c> conv -> <c>norm</c> (adaptive, by condition id) -> ConvNeXt blocks (adaptive norms)
/// -> <c>final_layer_norm</c>. Every layer runs at the codec's frame rate with centred convolutions. Input
/// <c>[B, input_channels, T]</c>, output <c>[B, T, dim]</c>.
/// </summary>
public sealed class VocosBackbone : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Conv1d embed;
    readonly AdaLayerNorm norm;
    readonly ModuleList<ConvNeXtBlock> convnext;
    readonly LayerNorm final_layer_norm;
    readonly VocosConfig config;

    /// <summary>A freshly initialised backbone (Vocos: truncated normal 0.02 weights, zero biases, layer scale 1 / layers).</summary>
    public VocosBackbone(VocosConfig config) : base(nameof(VocosBackbone))
    {
        ArgumentNullException.ThrowIfNull(config);
        this.config = config;
        int conditions = config.ConditionCodebooks.Count;
        embed = nn.Conv1d(config.InputChannels, config.Dim, config.Kernel, padding: config.Kernel / 2);
        norm = new AdaLayerNorm(conditions, config.Dim);
        convnext = nn.ModuleList(Enumerable.Range(0, config.NumLayers)
            .Select(_ => new ConvNeXtBlock(config.Dim, config.IntermediateDim, config.Kernel, causal: false, layerScale: 1.0 / Math.Max(1, config.NumLayers), conditions: conditions))
            .ToArray());
        final_layer_norm = nn.LayerNorm(config.Dim, eps: 1e-6);
        RegisterComponents();
        using (no_grad())
            foreach (var (name, p) in named_parameters())
                if (name.EndsWith(".weight", StringComparison.Ordinal) && p.dim() > 1 && !name.Contains("norm.", StringComparison.Ordinal))
                {
                    nn.init.trunc_normal_(p, std: 0.02);
                    if (get_parameter(name[..^".weight".Length] + ".bias") is { } bias) bias.zero_();
                }
    }

    /// <summary>Convolutions a stream carries: the input conv and each block's.</summary>
    public int StreamSlots => 1 + config.NumLayers;

    /// <inheritdoc />
    public override Tensor forward(Tensor latents, Tensor condition)
    {
        using var scope = NewDisposeScope();
        var h = norm.call(UnfoldConvolution.Forward(embed, latents).transpose(1, 2), condition).transpose(1, 2);
        foreach (var block in convnext) h = block.Conditioned(h, condition);
        return final_layer_norm.call(h.transpose(1, 2)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The backbone on the next chunk of a stream (<c>[B, input_channels, n]</c>): the features <c>[B, k, dim]</c> of the
    /// frames whose context became complete, each layer run once per frame, <paramref name="state"/> carrying what the
    /// convolutions still need and <paramref name="end"/> closing the sequence. Chunked output equals <see cref="forward"/>'s.
    /// </summary>
    public Tensor Stream(Tensor latents, Tensor condition, ConvolutionStreamState state, bool end)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Slots.Length != StreamSlots) throw new ArgumentException($"The state has {state.Slots.Length} slots; this backbone needs {StreamSlots}.", nameof(state));
        using var scope = NewDisposeScope();
        var window = ConvolutionStreamState.Centred(latents, ref state.Slots[0], config.Kernel / 2, end);
        var h = window is null
            ? zeros([latents.shape[0], config.Dim, 0], device: latents.device)
            : norm.call(nn.functional.conv1d(window, embed.weight!, embed.bias).transpose(1, 2), condition).transpose(1, 2);
        for (int i = 0; i < config.NumLayers; i++) h = convnext[i].StreamCentred(h, ref state.Slots[i + 1], end, condition);
        state.Keep();
        return final_layer_norm.call(h.transpose(1, 2)).MoveToOuterDisposeScope();
    }
}
