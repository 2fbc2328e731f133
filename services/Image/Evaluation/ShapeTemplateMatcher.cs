using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Classifies a shape by template matching: each candidate shape is rasterised (with the same
/// supersampled coverage as the renderer) into the object's estimated bounding box, and the shape
/// whose coverage map has the highest soft intersection-over-union with the object's coverage wins.
/// Fill ratio, holes, symmetry and corners all enter through the overlap, without hand-set thresholds.
/// </summary>
internal static class ShapeTemplateMatcher
{
    // Bounding boxes from thresholded coverage can sit up to a fraction of a pixel inside the true edge
    // (rounded and pointed edges); trying a slightly larger box as well absorbs that.
    static readonly double[] Expansions = [0, 0.35];

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
                double score = Iou(shape, coverage, boxX, boxY, boxWidth, boxHeight,
                    (bounds.Left - e, bounds.Top - e, bounds.Right + e, bounds.Bottom + e));
                if (score > best.Score) best = (shape, score);
            }
        }
        return best;
    }

    static double Iou(ShapeKind shape, double[] coverage, int boxX, int boxY, int boxWidth, int boxHeight,
        (double Left, double Top, double Right, double Bottom) b)
    {
        var (hw, hh) = ShapeGeometry.HalfSize(shape);
        double cx = (b.Left + b.Right) / 2, cy = (b.Top + b.Bottom) / 2;
        double sx = Math.Max(b.Right - b.Left, 1e-6) / 2 / hw, sy = Math.Max(b.Bottom - b.Top, 1e-6) / 2 / hh;
        double intersection = 0, union = 0;
        for (int j = 0; j < boxHeight; j++)
        {
            for (int i = 0; i < boxWidth; i++)
            {
                double t = ShapeGeometry.Coverage(shape, (boxX + i - cx) / sx, (boxY + j - cy) / sy, 1 / sx, 1 / sy, SceneRenderer.Supersampling);
                double a = coverage[j * boxWidth + i];
                intersection += Math.Min(a, t);
                union += Math.Max(a, t);
            }
        }
        return union > 0 ? intersection / union : 0;
    }
}
