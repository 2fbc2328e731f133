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
    readonly Dictionary<string, Tensor> windows = [];

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
    internal Tensor Window(Device device)
    {
        lock (windows)
        {
            string key = device.ToString();
            if (!windows.TryGetValue(key, out var w))
            {
                using (NewDisposeScope()) w = hann_window(Mel.WindowLength, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
                windows[key] = w;
            }
            return w;
        }
    }
}
