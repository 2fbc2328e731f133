using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training.Adversarial;

/// <summary>
/// EnCodec's MS-STFT discriminator: <see cref="StftDiscriminator"/>s over several STFT resolutions (the paper's five
/// windows of 2048, 1024, 512, 256 and 128 samples), each judging the same audio. Training only: it is saved in a run's
/// checkpoints (<c>discriminators.{i}.convs.{j}</c>, <c>discriminators.{i}.conv_post</c>) and never exported.
/// </summary>
public sealed class MultiScaleStftDiscriminator : nn.Module<Tensor, IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)>>
{
    /// <summary>The paper's FFT (and window) sizes.</summary>
    public static readonly IReadOnlyList<int> PaperFftSizes = [2048, 1024, 512, 256, 128];

    readonly ModuleList<StftDiscriminator> discriminators;

    /// <summary>One scale per entry of <paramref name="fftSizes"/> (default: the paper's five), <paramref name="filters"/> channels each (paper: 32).</summary>
    public MultiScaleStftDiscriminator(IReadOnlyList<int>? fftSizes = null, int filters = 32) : base(nameof(MultiScaleStftDiscriminator))
    {
        fftSizes ??= PaperFftSizes;
        if (fftSizes.Count == 0) throw new ArgumentException("Give at least one scale.", nameof(fftSizes));
        FftSizes = [.. fftSizes];
        discriminators = nn.ModuleList(fftSizes.Select(n => new StftDiscriminator(n, filters)).ToArray());
        RegisterComponents();
    }

    /// <summary>The scales' FFT sizes.</summary>
    public IReadOnlyList<int> FftSizes { get; }

    /// <summary>The shortest clip every scale can judge (the largest FFT).</summary>
    public int MinimumSamples => FftSizes.Max();

    /// <summary>Every scale's logits and activations for audio [B, 1, T].</summary>
    public override IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> forward(Tensor input) =>
        discriminators.Select(d => d.call(input)).ToArray();
}
