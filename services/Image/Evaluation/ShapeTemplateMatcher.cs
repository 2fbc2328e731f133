using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Classifies a shape by template matching: each candidate shape is rasterised (with the renderer's
/// supersampled coverage) into the object's estimated bounding box, softened by a Gaussian of each of a
/// few widths, and the (shape, blur) pair whose coverage map has the highest soft intersection-over-union
/// with the object's coverage wins. The blur search lets a generated image, which is seldom as crisp as
/// a render, still match its shape rather than the roundest one. Fill ratio, holes, symmetry and corners
/// all enter through the overlap, without hand-set thresholds.
/// </summary>
internal static class ShapeTemplateMatcher
{
    /// <summary>Pixels of margin the coverage map must have around the object, so blurred templates fit.</summary>
    public const int Margin = 3;

    // Bounds from the half-coverage crossing sit inside the true extent at tips and round tops, more so
    // when blurred; trying slightly larger boxes absorbs that.
    static readonly double[] Expansions = [0, 0.5, 1.0];

    // Gaussian widths in pixels: a crisp render, and the softness of upsampled or decoded images.
    static readonly double[] BlurSigmas = [0, 0.8, 1.4];

    /// <summary>The best shape and its soft IoU for a coverage map over a box of pixels.</summary>
    /// <param name="coverage">Object coverage per pixel of the box, row-major, values in [0, 1].</param>
    /// <param name="boxX">Left pixel of the box.</param>
    /// <param name="boxY">Top pixel of the box.</param>
    /// <param name="boxWidth">Box width in pixels.</param>
    /// <param name="boxHeight">Box height in pixels.</param>
    /// <param name="bounds">Estimated continuous bounds of the object (left, top, right, bottom) in pixel coordinates.</param>
    public static (ShapeKind Shape, double Score) Match(double[] coverage, int boxX, int boxY, int boxWidth, int boxHeight,
        (double Left, double Top, double Right, double Bottom) bounds)
    {
        var best = (Shape: ShapeKind.Circle, Score: double.NegativeInfinity);
        foreach (var shape in Enum.GetValues<ShapeKind>())
        {
            foreach (var e in Expansions)
            {
                var template = Rasterise(shape, boxX, boxY, boxWidth, boxHeight, (bounds.Left - e, bounds.Top - e, bounds.Right + e, bounds.Bottom + e));
                foreach (var sigma in BlurSigmas)
                {
                    double score = Iou(coverage, sigma == 0 ? template : Blur(template, boxWidth, boxHeight, sigma));
                    if (score > best.Score) best = (shape, score);
                }
            }
        }
        return best;
    }

    // Point-in-shape answers on a fine grid over [-1, 1]^2, looked up instead of recomputed: the
    // matcher rasterises dozens of templates per object. 1/256 of the half-extent is far below a sample spacing.
    const int MaskResolution = 512;
    static readonly bool[][] Masks = Enum.GetValues<ShapeKind>().Select(BuildMask).ToArray();

    static bool[] BuildMask(ShapeKind shape)
    {
        var mask = new bool[MaskResolution * MaskResolution];
        for (int j = 0; j < MaskResolution; j++)
            for (int i = 0; i < MaskResolution; i++)
                mask[j * MaskResolution + i] = ShapeGeometry.Contains(shape, (i + 0.5) * 2 / MaskResolution - 1, (j + 0.5) * 2 / MaskResolution - 1);
        return mask;
    }

    static double Coverage(bool[] mask, double u0, double v0, double du, double dv)
    {
        const int Samples = SceneRenderer.Supersampling;
        int inside = 0;
        for (int j = 0; j < Samples; j++)
        {
            int mj = (int)Math.Floor((v0 + (j + 0.5) / Samples * dv + 1) * (MaskResolution / 2.0));
            if ((uint)mj >= MaskResolution) continue;
            for (int i = 0; i < Samples; i++)
            {
                int mi = (int)Math.Floor((u0 + (i + 0.5) / Samples * du + 1) * (MaskResolution / 2.0));
                if ((uint)mi < MaskResolution && mask[mj * MaskResolution + mi]) inside++;
            }
        }
        return inside / (double)(Samples * Samples);
    }

    static double[] Rasterise(ShapeKind shape, int boxX, int boxY, int boxWidth, int boxHeight, (double Left, double Top, double Right, double Bottom) b)
    {
        var mask = Masks[(int)shape];
        var (hw, hh) = ShapeGeometry.HalfSize(shape);
        double cx = (b.Left + b.Right) / 2, cy = (b.Top + b.Bottom) / 2;
        double sx = Math.Max(b.Right - b.Left, 1e-6) / 2 / hw, sy = Math.Max(b.Bottom - b.Top, 1e-6) / 2 / hh;
        var t = new double[boxWidth * boxHeight];
        for (int j = 0; j < boxHeight; j++)
            for (int i = 0; i < boxWidth; i++)
                t[j * boxWidth + i] = Coverage(mask, (boxX + i - cx) / sx, (boxY + j - cy) / sy, 1 / sx, 1 / sy);
        return t;
    }

    // Separable Gaussian, zero outside the box (the box has a background margin).
    static double[] Blur(double[] image, int width, int height, double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        for (int k = -radius; k <= radius; k++) kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        double sum = kernel.Sum();
        for (int k = 0; k < kernel.Length; k++) kernel[k] /= sum;

        var rows = new double[image.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++)
                    if ((uint)(x + k) < (uint)width) acc += kernel[k + radius] * image[y * width + x + k];
                rows[y * width + x] = acc;
            }
        var result = new double[image.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++)
                    if ((uint)(y + k) < (uint)height) acc += kernel[k + radius] * rows[(y + k) * width + x];
                result[y * width + x] = acc;
            }
        return result;
    }

    static double Iou(double[] a, double[] t)
    {
        double intersection = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            intersection += Math.Min(a[i], t[i]);
            union += Math.Max(a[i], t[i]);
        }
        return union > 0 ? intersection / union : 0;
    }
}
