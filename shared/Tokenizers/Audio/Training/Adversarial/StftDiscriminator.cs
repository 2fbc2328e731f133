using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training.Adversarial;

/// <summary>
/// One scale of EnCodec's MS-STFT discriminator (audiocraft's <c>DiscriminatorSTFT</c>): the complex STFT of the waveform
/// (Hann window, normalised, no centring) as two channels, real and imaginary, laid out [B, 2, frames, bins]; a 2D
/// convolution (3 x 9) to <c>filters</c> channels; three more with dilations 1, 2, 4 along time and stride 2 along
/// frequency; a 3 x 3 one; then <c>conv_post</c> (3 x 3) to one logit per patch. LeakyReLU 0.2 after every convolution
/// but the last. Each activation is also returned: the feature-matching loss compares them for real and decoded audio.
/// </summary>
public sealed class StftDiscriminator : nn.Module<Tensor, (Tensor Logits, IReadOnlyList<Tensor> Features)>
{
    readonly ModuleList<Conv2d> convs;
    readonly Conv2d conv_post;
    readonly int fftSize;
    readonly int hop;
    // A tuple, not a Tensor field: RegisterComponents would make a Tensor field a checkpoint key.
    (Tensor Window, int Unused) window;

    /// <summary>A scale with an FFT (and window) of <paramref name="fftSize"/> samples, hop a quarter of it, <paramref name="filters"/> channels.</summary>
    public StftDiscriminator(int fftSize, int filters = 32) : base(nameof(StftDiscriminator))
    {
        if (fftSize < 16 || (fftSize & (fftSize - 1)) != 0) throw new ArgumentException($"The FFT size must be a power of two of at least 16; got {fftSize}.", nameof(fftSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(filters, 1);
        this.fftSize = fftSize;
        hop = fftSize / 4;
        var layers = new List<Conv2d> { Conv(2, filters, (3, 9), (1, 1), (1, 1)) };
        foreach (int dilation in new[] { 1, 2, 4 }) layers.Add(Conv(filters, filters, (3, 9), (1, 2), (dilation, 1)));
        layers.Add(Conv(filters, filters, (3, 3), (1, 1), (1, 1)));
        convs = nn.ModuleList(layers.ToArray());
        conv_post = Conv(filters, 1, (3, 3), (1, 1), (1, 1));
        window = (hann_window(fftSize).DetachFromDisposeScope(), 0);
        RegisterComponents();
    }

    /// <summary>The FFT size of this scale.</summary>
    public int FftSize => fftSize;

    // audiocraft's get_2d_padding: half the dilated kernel on each side, so only the stride shrinks the map.
    static Conv2d Conv(long inChannels, long outChannels, (long Time, long Freq) kernel, (long Time, long Freq) stride, (long Time, long Freq) dilation) =>
        nn.Conv2d(inChannels, outChannels, kernel, stride: stride,
            padding: ((kernel.Time - 1) * dilation.Time / 2, (kernel.Freq - 1) * dilation.Freq / 2), dilation: dilation);

    /// <summary>Logits [B, 1, frames, bins'] and the activations of the five convolutions, for audio [B, 1, T] (or [B, T]).</summary>
    public override (Tensor Logits, IReadOnlyList<Tensor> Features) forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var audio = input.dim() == 3 ? input.squeeze(1) : input;
        if (audio.dim() != 2) throw new ArgumentException($"Audio must be [B, 1, T] or [B, T]; got [{string.Join(", ", input.shape)}].", nameof(input));
        if (audio.shape[1] < fftSize) throw new ArgumentException($"The clip ({audio.shape[1]} samples) is shorter than this scale's FFT ({fftSize}).", nameof(input));
        using var scope = NewDisposeScope();
        var w = window.Window.device == audio.device && window.Window.dtype == audio.dtype ? window.Window : window.Window.to(audio.dtype, audio.device);
        var spec = stft(audio, fftSize, hop, fftSize, w, center: false, normalized: true, return_complex: true); // [B, bins, frames]
        var z = view_as_real(spec).permute(0, 3, 2, 1);                                                           // [B, 2, frames, bins]
        var features = new List<Tensor>(convs.Count);
        foreach (var conv in convs)
        {
            z = nn.functional.leaky_relu(conv.call(z), 0.2);
            features.Add(z);
        }
        var logits = conv_post.call(z);
        foreach (var f in features) f.MoveToOuterDisposeScope();
        return (logits.MoveToOuterDisposeScope(), features);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) window.Window.Dispose();
        base.Dispose(disposing);
    }
}
