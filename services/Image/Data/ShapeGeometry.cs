namespace Media.Services.Image.Data;

/// <summary>
/// Point-in-shape tests in a shape's own frame: u to the right, v downwards, the shape's bounding box
/// centred at the origin with its larger side spanning [-1, 1]. The renderer and the evaluator's template
/// matcher share these definitions.
/// </summary>
public static class ShapeGeometry
{
    /// <summary>Inner radius of the ring as a fraction of its outer radius.</summary>
    public const double RingInnerRadius = 0.5;

    /// <summary>Half-width of the cross's arms, in the same units as the half-extent (1).</summary>
    public const double CrossArmHalfWidth = 0.34;

    /// <summary>Inner radius of the star as a fraction of its outer radius (a regular pentagram has 0.38; fatter reads better when small).</summary>
    public const double StarInnerRadius = 0.45;

    static readonly (double U, double V)[] StarVertices = BuildStar();

    /// <summary>Half the star's height after normalising its width to 2.</summary>
    public static double StarHalfHeight { get; } = StarVertices.Max(p => p.V);

    /// <summary>True when (u, v) lies inside the shape.</summary>
    public static bool Contains(ShapeKind shape, double u, double v) => shape switch
    {
        ShapeKind.Circle => u * u + v * v <= 1,
        ShapeKind.Square => Math.Abs(u) <= 1 && Math.Abs(v) <= 1,
        ShapeKind.Triangle => v <= 1 && Math.Abs(u) <= (v + 1) / 2,
        ShapeKind.Diamond => Math.Abs(u) + Math.Abs(v) <= 1,
        ShapeKind.Cross => (Math.Abs(u) <= CrossArmHalfWidth && Math.Abs(v) <= 1) || (Math.Abs(v) <= CrossArmHalfWidth && Math.Abs(u) <= 1),
        ShapeKind.Ring => u * u + v * v <= 1 && u * u + v * v >= RingInnerRadius * RingInnerRadius,
        ShapeKind.Star => InsidePolygon(StarVertices, u, v),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Unknown shape."),
    };

    /// <summary>The shape's bounding box half-sizes in its own frame (1 on the larger side).</summary>
    public static (double HalfWidth, double HalfHeight) HalfSize(ShapeKind shape) =>
        shape == ShapeKind.Star ? (1, StarHalfHeight) : (1, 1);

    /// <summary>Fraction of a k x k grid of sample points inside the shape, for a pixel spanning [u0, u0+du] x [v0, v0+dv].</summary>
    public static double Coverage(ShapeKind shape, double u0, double v0, double du, double dv, int samples)
    {
        int inside = 0;
        for (int j = 0; j < samples; j++)
        {
            double v = v0 + (j + 0.5) / samples * dv;
            for (int i = 0; i < samples; i++)
                if (Contains(shape, u0 + (i + 0.5) / samples * du, v)) inside++;
        }
        return inside / (double)(samples * samples);
    }

    static (double U, double V)[] BuildStar()
    {
        var raw = new (double U, double V)[10];
        for (int k = 0; k < 10; k++)
        {
            double angle = -Math.PI / 2 + k * Math.PI / 5;
            double radius = k % 2 == 0 ? 1 : StarInnerRadius;
            raw[k] = (radius * Math.Cos(angle), radius * Math.Sin(angle));
        }
        // Centre the bounding box and scale its width to 2.
        double minU = raw.Min(p => p.U), maxU = raw.Max(p => p.U), minV = raw.Min(p => p.V), maxV = raw.Max(p => p.V);
        double scale = 2 / Math.Max(maxU - minU, maxV - minV);
        double cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
        return raw.Select(p => ((p.U - cu) * scale, (p.V - cv) * scale)).ToArray();
    }

    // Even-odd ray casting; the star polygon is simple, so this is exact.
    static bool InsidePolygon((double U, double V)[] polygon, double u, double v)
    {
        bool inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (ui, vi) = polygon[i];
            var (uj, vj) = polygon[j];
            if ((vi > v) != (vj > v) && u < (uj - ui) * (v - vi) / (vj - vi) + ui) inside = !inside;
        }
        return inside;
    }
}
