using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Latents;

/// <summary>
/// Latents <c>[B, D, L]</c> to normalised log-mel <c>[B, mels, 4L]</c>, strictly causal so it can decode
/// block by block: a causal conv in, causal ConvNeXt blocks at the latent rate, a stride-4 transposed
/// conv with kernel 4 (each latent makes its own 4 frames, no overlap), causal blocks at the mel rate,
/// LayerNorm and a linear projection to the mel bands. Every layer is frame-wise except the causal
/// convs, whose carried state (<see cref="ConvolutionStreamState"/>) makes chunked decoding equal offline decoding.
/// </summary>
public sealed class MelVaeDecoder : nn.Module<Tensor, Tensor>
{
    readonly CausalConv1d in_conv;
    readonly ModuleList<ConvNeXtBlock> latent_blocks;
    readonly ConvTranspose1d upsample;
    readonly ModuleList<ConvNeXtBlock> mel_blocks;
    readonly LayerNorm norm;
    readonly Linear proj;

    /// <summary>The decoder of <paramref name="config"/>.</summary>
    public MelVaeDecoder(MelVaeConfig config) : base(nameof(MelVaeDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        int c = config.Channels;
        in_conv = new CausalConv1d(config.LatentDim, c, 3);
        latent_blocks = nn.ModuleList(Enumerable.Range(0, config.DecoderLatentBlocks)
            .Select(_ => new ConvNeXtBlock(c, config.Hidden, config.Kernel, causal: true)).ToArray());
        upsample = nn.ConvTranspose1d(c, c, MelVaeConfig.Downsampling, stride: MelVaeConfig.Downsampling);
        mel_blocks = nn.ModuleList(Enumerable.Range(0, config.DecoderMelBlocks)
            .Select(_ => new ConvNeXtBlock(c, config.Hidden, config.Kernel, causal: true)).ToArray());
        norm = nn.LayerNorm(c, eps: 1e-6);
        proj = nn.Linear(c, config.Mel.MelBands);
        LatentDim = config.LatentDim;
        StateSlots = 1 + config.DecoderLatentBlocks + config.DecoderMelBlocks;
        RegisterComponents();
    }

    /// <summary>Channels of the latents it decodes.</summary>
    public int LatentDim { get; }

    /// <summary>Causal convolutions whose past input a stream carries.</summary>
    public int StateSlots { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor latents)
    {
        using var state = new ConvolutionStreamState(StateSlots);
        using var scope = NewDisposeScope();
        return Step(latents, state).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes the next latents of a sequence whose earlier latents went through the same
    /// <paramref name="state"/>; a fresh state decodes from the start. Returns the new mel frames.
    /// </summary>
    public Tensor Step(Tensor latents, ConvolutionStreamState state)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(state);
        if (latents.dim() != 3 || latents.shape[1] != LatentDim)
            throw new ArgumentException($"Expected latents [B, {LatentDim}, L]; got [{string.Join(", ", latents.shape)}].", nameof(latents));
        if (state.Slots.Length != StateSlots)
            throw new ArgumentException($"The state has {state.Slots.Length} slots; this decoder needs {StateSlots}.", nameof(state));
        using var scope = NewDisposeScope();
        int slot = 0;
        var h = in_conv.Stream(latents, ref state.Slots[slot++]);
        foreach (var b in latent_blocks) h = b.Stream(h, ref state.Slots[slot++]);
        h = UnfoldConvolution.Forward(upsample, h);
        foreach (var b in mel_blocks) h = b.Stream(h, ref state.Slots[slot++]);
        var mel = proj.call(norm.call(h.transpose(1, 2))).transpose(1, 2);
        state.Keep();
        return mel.MoveToOuterDisposeScope();
    }
}
