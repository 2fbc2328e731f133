using Media.Audio.Metrics;
using Media.Modeling.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Vocos;

/// <summary>
/// Vocos (Siuzdak 2023) as a codec's decoder: the quantized latents (the sum of the codes' vectors) and the bandwidth's
/// condition id -> <see cref="VocosBackbone"/> -> <c>head.out</c> to a log-magnitude and a phase per STFT bin -> inverse STFT
/// with Vocos' "same" padding, so T frames give exactly T hops of audio. It replaces EnCodec's upsampling SEANet decoder
/// (Vocos's <c>vocos-encodec-24khz</c> does this for EnCodec's codes): everything runs at the frame rate and one inverse FFT
/// makes the samples. Keys as Vocos's: <c>backbone.*</c>, <c>head.out.*</c>.
/// </summary>
public sealed class VocosDecoder : nn.Module<Tensor, Tensor, Tensor>
{
    readonly VocosBackbone backbone;
    readonly IstftHead head;
    // The Hann window per device: a constant of the transform (Vocos keeps it as the buffer head.istft.window).
    readonly DeviceTensorCache windows = new();

    /// <summary>A freshly initialised decoder of <paramref name="config"/>.</summary>
    public VocosDecoder(VocosConfig config) : base(nameof(VocosDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        backbone = new VocosBackbone(config);
        head = new IstftHead(config.Dim, config.Bins);
        RegisterComponents();
    }

    /// <summary>The sizes.</summary>
    public VocosConfig Config { get; }

    /// <summary>The backbone (for streaming).</summary>
    public VocosBackbone Backbone => backbone;

    /// <summary>Condition ids <c>[B]</c> for <paramref name="codebooks"/> codebooks on <paramref name="device"/>.</summary>
    public Tensor Condition(int codebooks, long batch, Device device) => full(batch, (long)Config.ConditionFor(codebooks), dtype: ScalarType.Int64, device: device);

    /// <summary>Latents <c>[B, input_channels, T]</c> and condition ids <c>[B]</c> to the complex spectrum <c>[B, bins, T]</c>.</summary>
    public override Tensor forward(Tensor latents, Tensor condition)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 3 || latents.shape[1] != Config.InputChannels)
            throw new ArgumentException($"Expected latents [B, {Config.InputChannels}, T]; got [{string.Join(", ", latents.shape)}].", nameof(latents));
        using var scope = NewDisposeScope();
        return head.call(backbone.call(latents, condition)).MoveToOuterDisposeScope();
    }

    /// <summary>The head on backbone features <c>[B, T, dim]</c>: the complex spectrum <c>[B, bins, T]</c>.</summary>
    public Tensor Head(Tensor features) => head.call(features);

    /// <summary>Latents <c>[B, input_channels, T]</c> decoded at the condition of <paramref name="codebooks"/> to audio <c>[B, 1, T * hop]</c>.</summary>
    public Tensor Decode(Tensor latents, int codebooks)
    {
        ArgumentNullException.ThrowIfNull(latents);
        using var scope = NewDisposeScope();
        var spectrum = forward(latents, Condition(codebooks, latents.shape[0], latents.device));
        return Inverse(spectrum).unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The spectra's frames <c>[B, bins, T]</c> as windowed time frames <c>[B, n_fft, T]</c> (inverse FFT times the window).</summary>
    public Tensor Frames(Tensor spectrum)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        using var scope = NewDisposeScope();
        return (fft.irfft(spectrum, Config.NFft, dim: 1) * Window(spectrum.device).unsqueeze(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Vocos' inverse STFT with "same" padding: the frames overlap-added, divided by the summed squared window, and
    /// (n_fft - hop) / 2 samples cut from each end, so T frames give T hops. Spectrum <c>[B, bins, T]</c> to <c>[B, T * hop]</c>.
    /// </summary>
    public Tensor Inverse(Tensor spectrum)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        using var scope = NewDisposeScope();
        long frames = spectrum.shape[^1];
        int pad = (Config.NFft - Config.HopLength) / 2;
        long size = (frames - 1) * Config.HopLength + Config.NFft;
        var summed = OverlapAdd(Frames(spectrum), size);
        var window = Window(spectrum.device);
        var envelope = OverlapAdd(window.square().reshape(1, -1, 1).expand(1, -1, frames), size);
        return (summed.narrow(1, pad, frames * Config.HopLength) / envelope.narrow(1, pad, frames * Config.HopLength)).MoveToOuterDisposeScope();
    }

    // Frames [B, n_fft, T] overlap-added at the hop into [B, size].
    Tensor OverlapAdd(Tensor frames, long size) =>
        nn.functional.fold(frames, (1, size), (1, Config.NFft), stride: (1, Config.HopLength)).reshape(frames.shape[0], size);

    /// <summary>The periodic Hann window of n_fft samples on <paramref name="device"/>.</summary>
    public Tensor Window(Device device) => windows.Get(device, "hann", d => hann_window(Config.NFft, dtype: ScalarType.Float32, device: d));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) windows.Dispose();
        base.Dispose(disposing);
    }
}
