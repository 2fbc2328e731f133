using Media.Audio.Metrics;
using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>
/// A small Vocos-style vocoder (Siuzdak 2023): normalised log-mel -> <c>embed</c> conv -> LayerNorm ->
/// ConvNeXt blocks -> LayerNorm -> <c>head.out</c> linear to a log-magnitude and a phase per STFT bin,
/// then S = exp(m) (clipped at 100) * (cos p + i sin p) and torch.istft with the mel's FFT size, hop and
/// Hann window. Everything runs at the mel frame rate, so it is cheap on a CPU; the backbone sees
/// <see cref="IstftVocoderConfig.ReceptiveField"/> frames each side, which is the streaming look-ahead.
/// </summary>
public sealed class IstftVocoder : nn.Module<Tensor, Tensor>, IVocoder
{
    readonly Conv1d embed;
    readonly LayerNorm norm;
    readonly ModuleList<ConvNeXtBlock> convnext;
    readonly LayerNorm final_layer_norm;
    readonly IstftHead head;
    // The Hann window per device: a constant of the transform, not a weight, so not a registered field.
    readonly DeviceTensorCache windows = new();

    /// <summary>A freshly initialised vocoder of <paramref name="config"/>.</summary>
    public IstftVocoder(IstftVocoderConfig config) : base(nameof(IstftVocoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        embed = nn.Conv1d(config.Mel.MelBands, config.Channels, config.EmbedKernel, padding: config.EmbedKernel / 2);
        norm = nn.LayerNorm(config.Channels, eps: 1e-6);
        convnext = nn.ModuleList(Enumerable.Range(0, config.Blocks)
            .Select(_ => new ConvNeXtBlock(config.Channels, config.Hidden, config.Kernel, causal: false, layerScale: 1.0 / Math.Max(1, config.Blocks))).ToArray());
        final_layer_norm = nn.LayerNorm(config.Channels, eps: 1e-6);
        head = new IstftHead(config.Channels, config.Mel.FftSize / 2 + 1);
        RegisterComponents();
    }

    /// <summary>The committed vocoder in <paramref name="folder"/> (config.json + model.safetensors) on <paramref name="device"/>, in eval mode.</summary>
    public static IstftVocoder Load(string folder, Device device)
    {
        var model = new IstftVocoder(SpeechModelFolder.ReadConfig<IstftVocoderConfig>(folder));
        SpeechModelFolder.LoadWeights(model, folder, device);
        return model;
    }

    /// <summary>The sizes.</summary>
    public IstftVocoderConfig Config { get; }

    /// <inheritdoc />
    public SpeechMelConfig Mel => Config.Mel;

    /// <summary>Normalised log-mel <c>[B, mels, T]</c> to the complex spectrum <c>[B, bins, T]</c>.</summary>
    public override Tensor forward(Tensor normalizedMel)
    {
        ArgumentNullException.ThrowIfNull(normalizedMel);
        if (normalizedMel.dim() != 3 || normalizedMel.shape[1] != Mel.MelBands)
            throw new ArgumentException($"Expected a normalised log-mel [B, {Mel.MelBands}, T]; got [{string.Join(", ", normalizedMel.shape)}].", nameof(normalizedMel));
        using var scope = NewDisposeScope();
        var h = norm.call(UnfoldConvolution.Forward(embed, normalizedMel).transpose(1, 2)).transpose(1, 2);
        foreach (var block in convnext) h = block.call(h);
        h = final_layer_norm.call(h.transpose(1, 2));
        return head.call(h).MoveToOuterDisposeScope();
    }

    /// <summary>Convolutions a <see cref="Stream"/> state carries: the embedding conv and each block's.</summary>
    public int StreamSlots => 1 + Config.Blocks;

    /// <summary>
    /// The network on the next chunk <c>[B, mels, n]</c> (normalised) of a stream, every layer run once per frame: each
    /// centred conv keeps in <paramref name="state"/> the input its next outputs still need, and <paramref name="end"/>
    /// pads the sequence's end as the offline convs do. Returns the spectrum <c>[B, bins, k]</c> of the k frames whose
    /// context became complete: the next k frames of <see cref="forward"/> on the whole sequence.
    /// </summary>
    public Tensor Stream(Tensor normalizedMel, ConvolutionStreamState state, bool end)
    {
        ArgumentNullException.ThrowIfNull(normalizedMel);
        ArgumentNullException.ThrowIfNull(state);
        if (normalizedMel.dim() != 3 || normalizedMel.shape[1] != Mel.MelBands)
            throw new ArgumentException($"Expected a normalised log-mel [B, {Mel.MelBands}, n]; got [{string.Join(", ", normalizedMel.shape)}].", nameof(normalizedMel));
        if (state.Slots.Length != StreamSlots)
            throw new ArgumentException($"The state has {state.Slots.Length} slots; this vocoder needs {StreamSlots}.", nameof(state));
        using var scope = NewDisposeScope();
        var window = ConvolutionStreamState.Centred(normalizedMel, ref state.Slots[0], Config.EmbedKernel / 2, end);
        var h = window is null
            ? zeros([normalizedMel.shape[0], Config.Channels, 0], device: normalizedMel.device)
            : norm.call(nn.functional.conv1d(window, embed.weight!, embed.bias).transpose(1, 2)).transpose(1, 2);
        for (int i = 0; i < Config.Blocks; i++) h = convnext[i].StreamCentred(h, ref state.Slots[i + 1], end);
        state.Keep();
        var spectrum = h.shape[2] == 0
            ? zeros([h.shape[0], Mel.FftSize / 2 + 1, 0], dtype: ScalarType.ComplexFloat32, device: h.device)
            : head.call(final_layer_norm.call(h.transpose(1, 2)));
        return spectrum.MoveToOuterDisposeScope();
    }

    /// <summary>Complex spectrum <c>[B, bins, T]</c> to <c>[B, (T - 1) * hop]</c> samples.</summary>
    public Tensor Inverse(Tensor spectrum)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        long length = (spectrum.shape[^1] - 1) * Mel.HopLength;
        return istft(spectrum, Mel.FftSize, Mel.HopLength, Mel.WindowLength, Window(spectrum.device), center: true, length: length);
    }

    /// <inheritdoc />
    public Tensor Synthesize(Tensor logMel)
    {
        ArgumentNullException.ThrowIfNull(logMel);
        if (logMel.dim() is not (2 or 3)) throw new ArgumentException($"Expected a log-mel [mels, T] or [B, mels, T]; got [{string.Join(", ", logMel.shape)}].", nameof(logMel));
        using var scope = NewDisposeScope();
        var batched = logMel.dim() == 2 ? logMel.unsqueeze(0) : logMel;
        var normalized = (batched.to_type(ScalarType.Float32) - Mel.NormMean) / Mel.NormScale;
        var audio = Inverse(forward(normalized));
        return (logMel.dim() == 2 ? audio.squeeze(0) : audio).MoveToOuterDisposeScope();
    }

    /// <summary>The Hann window on <paramref name="device"/>.</summary>
    internal Tensor Window(Device device) => windows.Get(device, "hann", d => hann_window(Mel.WindowLength, dtype: ScalarType.Float32, device: d));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) windows.Dispose();
        base.Dispose(disposing);
    }
}
