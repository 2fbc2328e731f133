using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>
/// The pixel loss of the scene tokenizers (VQ and KL): weighted L1 + L2, plus an L1 on horizontal and
/// vertical image gradients, with foreground pixels weighed more. Objects cover a few per cent of a
/// scene, so without the weighting a tokenizer spends its capacity on the background.
/// </summary>
/// <param name="L1Weight">Weight of the mean absolute pixel error.</param>
/// <param name="L2Weight">Weight of the mean squared pixel error.</param>
/// <param name="GradientWeight">Weight of the mean absolute error of pixel differences (sharpens edges).</param>
/// <param name="ObjectWeight">Extra weight of foreground pixels in the L1 and L2 terms (0: all alike).</param>
/// <param name="ObjectMargin">
/// Pixels within this many (Chebyshev distance) of the foreground weigh as foreground too. With the margin at 0 a pixel
/// painted over background next to an object costs a fifth of an error on the object (at weight 4), so a tokenizer
/// learns to trade specks beside objects for sharper objects (image-vq's specks above right of objects grew under
/// continued training); a margin of a token's width prices them as object errors.
/// </param>
public sealed record SceneReconstructionLoss(double L1Weight = 1.0, double L2Weight = 1.0, double GradientWeight = 0.5, double ObjectWeight = 0, int ObjectMargin = 0)
{
    /// <summary>RGB distance from the background, in the [-1, 1] pixel scale, above which a pixel is foreground (32 of 255, as the scene evaluator).</summary>
    public const double ForegroundThreshold = 32 / 127.5;

    /// <summary>The weighted reconstruction terms for images and reconstructions [B, C, H, W].</summary>
    public Tensor Loss(Tensor images, Tensor reconstruction)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(reconstruction);
        using var scope = NewDisposeScope();
        var error = reconstruction - images;
        var loss = zeros([], device: images.device);
        var weight = ObjectWeight > 0 ? PixelWeights(images) : null;
        Tensor Mean(Tensor perPixel) => weight is null ? perPixel.mean() : (perPixel * weight).mean();
        if (L1Weight > 0) loss = loss + L1Weight * Mean(error.abs());
        if (L2Weight > 0) loss = loss + L2Weight * Mean(error.square());
        if (GradientWeight > 0)
        {
            // Differences of the error = differences of the reconstruction minus those of the image.
            var dx = error[.., .., .., 1..] - error[.., .., .., ..^1];
            var dy = error[.., .., 1.., ..] - error[.., .., ..^1, ..];
            loss = loss + GradientWeight * (dx.abs().mean() + dy.abs().mean());
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Per-pixel weights [B, 1, H, W]: 1 + <see cref="ObjectWeight"/> on foreground pixels and those within <see cref="ObjectMargin"/> of them, 1 elsewhere.</summary>
    public Tensor PixelWeights(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[2] < 2 || images.shape[3] < 2)
            throw new ArgumentException($"Expected images [B, C, H, W] with H, W >= 2; got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        var border = cat([
            images[.., .., 0, ..], images[.., .., -1, ..],
            images[.., .., 1..^1, 0], images[.., .., 1..^1, -1],
        ], 2);
        // The (lower) median by sorting: TorchSharp has no median along a dimension.
        var background = border.sort(2).Values[.., .., (border.shape[2] - 1) / 2].unsqueeze(-1).unsqueeze(-1);
        var distance = (images - background).square().sum(1, keepdim: true).sqrt();
        var foreground = distance.gt(ForegroundThreshold).to(images.dtype);
        if (ObjectMargin > 0) foreground = nn.functional.max_pool2d(foreground, 2 * ObjectMargin + 1, stride: 1, padding: ObjectMargin);
        return (1 + ObjectWeight * foreground).MoveToOuterDisposeScope();
    }

}
