using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Services.Audio.Speech.Latents;

/// <summary>
/// Normalised log-mel <c>[B, mels, T]</c> (T a multiple of 4) to the posterior's mean and log-variance
/// <c>[B, D, T / 4]</c>: conv in, ConvNeXt blocks, two stride-2 convs with blocks after each, LayerNorm,
/// a linear projection to 2D. Not causal: the encoder only runs on whole clips (training data for the
/// TTS model), never while streaming.
/// </summary>
public sealed class MelVaeEncoder : nn.Module<Tensor, (Tensor Mean, Tensor LogVar)>
{
    readonly Conv1d in_conv;
    readonly ModuleList<ConvNeXtBlock> blocks0;
    readonly Conv1d down1;
    readonly ModuleList<ConvNeXtBlock> blocks1;
    readonly Conv1d down2;
    readonly ModuleList<ConvNeXtBlock> blocks2;
    readonly LayerNorm norm;
    readonly Linear proj;
    readonly int latentDim;

    /// <summary>The encoder of <paramref name="config"/>.</summary>
    public MelVaeEncoder(MelVaeConfig config) : base(nameof(MelVaeEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        int c = config.Channels;
        in_conv = nn.Conv1d(config.Mel.MelBands, c, 5, padding: 2);
        blocks0 = Blocks(config);
        down1 = nn.Conv1d(c, c, 4, stride: 2, padding: 1);
        blocks1 = Blocks(config);
        down2 = nn.Conv1d(c, c, 4, stride: 2, padding: 1);
        blocks2 = Blocks(config);
        norm = nn.LayerNorm(c, eps: 1e-6);
        proj = nn.Linear(c, 2L * config.LatentDim);
        latentDim = config.LatentDim;
        RegisterComponents();
    }

    static ModuleList<ConvNeXtBlock> Blocks(MelVaeConfig config) =>
        nn.ModuleList(Enumerable.Range(0, config.EncoderBlocks)
            .Select(_ => new ConvNeXtBlock(config.Channels, config.Hidden, config.Kernel, causal: false)).ToArray());

    /// <inheritdoc />
    public override (Tensor Mean, Tensor LogVar) forward(Tensor mel)
    {
        using var scope = NewDisposeScope();
        var h = UnfoldConvolution.Forward(in_conv, mel);
        foreach (var b in blocks0) h = b.call(h);
        h = UnfoldConvolution.Forward(down1, h);
        foreach (var b in blocks1) h = b.call(h);
        h = UnfoldConvolution.Forward(down2, h);
        foreach (var b in blocks2) h = b.call(h);
        var stats = proj.call(norm.call(h.transpose(1, 2))).transpose(1, 2);
        var mean = stats.narrow(1, 0, latentDim);
        var logVar = stats.narrow(1, latentDim, latentDim).Clamp(-20, 10);
        return (mean.MoveToOuterDisposeScope(), logVar.MoveToOuterDisposeScope());
    }
}
