using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>How well a VQ tokenizer reconstructs a set of images, and how it uses its codebook.</summary>
/// <param name="Images">Images measured.</param>
/// <param name="Psnr">Mean over images of 10 log10(255^2 / MSE), with both images as 8-bit values in [0, 255] (the reconstruction clamped and rounded like a saved PNG).</param>
/// <param name="CodebookUsage">Fraction of the codebook picked at least once over all images.</param>
/// <param name="Perplexity">exp(entropy) of the code histogram over all images: the effective number of codes in use.</param>
/// <param name="CodesUsed">Distinct codes picked.</param>
public sealed record VqReconstructionMetrics(int Images, double Psnr, double CodebookUsage, double Perplexity, int CodesUsed)
{
    /// <summary>PSNR given to an exact reconstruction (whose PSNR is infinite), so one perfect image cannot make the mean infinite.</summary>
    public const double PsnrCap = 100;

    /// <summary>
    /// Encodes and decodes <paramref name="images"/> ([N, 3, H, W] in [-1, 1]) in batches of
    /// <paramref name="batchSize"/> on the model's device, in eval mode under no_grad. <paramref name="reconstructed"/>,
    /// when given, sees each batch's first index and reconstructions (valid during the call only), so a caller that
    /// also reads the reconstructions needs no second pass.
    /// </summary>
    public static VqReconstructionMetrics Measure(VqModel model, Tensor images, int batchSize = 50, Action<int, Tensor>? reconstructed = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"Expected images [N, 3, H, W] with N > 0, got [{string.Join(", ", images.shape)}].", nameof(images));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var device = model.parameters().First().device;
            int n = (int)images.shape[0];
            int codes = model.Config.CodebookSize;
            var histogram = new long[codes];
            double psnrSum = 0;
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = images.slice(0, start, Math.Min(n, start + batchSize), 1).to(device);
                var ids = model.Encode(batch);
                var reconstruction = model.Decode(ids);
                foreach (var psnr in PsnrPerImage(batch, reconstruction)) psnrSum += psnr;
                reconstructed?.Invoke(start, reconstruction);
                var counts = ids.reshape(-1).bincount(null, codes).cpu().data<long>().ToArray();
                for (int c = 0; c < codes; c++) histogram[c] += counts[c];
            }
            long total = histogram.Sum();
            double entropy = histogram.Where(c => c > 0).Sum(c => -(double)c / total * Math.Log((double)c / total));
            int used = histogram.Count(c => c > 0);
            return new VqReconstructionMetrics(n, psnrSum / n, used / (double)codes, Math.Exp(entropy), used);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>
    /// Per-image PSNR in dB between images [B, 3, H, W] in [-1, 1], both mapped to 8-bit levels
    /// (clamped, (x + 1) * 127.5, rounded); an exact match is capped at <see cref="PsnrCap"/>.
    /// </summary>
    public static double[] PsnrPerImage(Tensor original, Tensor reconstruction)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(reconstruction);
        if (!original.shape.SequenceEqual(reconstruction.shape))
            throw new ArgumentException($"Shapes differ: [{string.Join(", ", original.shape)}] and [{string.Join(", ", reconstruction.shape)}].");
        using var scope = NewDisposeScope();
        static Tensor Levels(Tensor x) => x.detach().to_type(ScalarType.Float64).clamp(-1, 1).add(1).mul(127.5).round();
        var mse = Levels(original).sub(Levels(reconstruction).to(original.device)).square().flatten(1).mean([1]).cpu().data<double>().ToArray();
        return mse.Select(m => m <= 0 ? PsnrCap : Math.Min(PsnrCap, 10 * Math.Log10(255.0 * 255.0 / m))).ToArray();
    }
}
