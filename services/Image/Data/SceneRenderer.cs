namespace Media.Services.Image.Data;

/// <summary>Rasterises a scene with anti-aliasing: each pixel's coverage is the fraction of a k x k grid of sample points inside the shape.</summary>
public static class SceneRenderer
{
    /// <summary>Samples per pixel side (16 per pixel): 17 coverage levels, plenty for 8-bit edges.</summary>
    public const int Supersampling = 4;

    /// <summary>Draws the background, then each object blended by its coverage.</summary>
    public static RgbImage Render(Scene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var bg = scene.Background;
        var image = RgbImage.Filled(scene.ImageSize, scene.ImageSize, bg.R, bg.G, bg.B);
        foreach (var o in scene.Objects) Draw(image, o);
        return image;
    }

    static void Draw(RgbImage image, SceneObject o)
    {
        double half = o.Extent / 2;
        int x0 = Math.Max(0, (int)Math.Floor(o.CenterX - half)), x1 = Math.Min(image.Width - 1, (int)Math.Ceiling(o.CenterX + half));
        int y0 = Math.Max(0, (int)Math.Floor(o.CenterY - half)), y1 = Math.Min(image.Height - 1, (int)Math.Ceiling(o.CenterY + half));
        double step = 1 / half;
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                double coverage = ShapeGeometry.Coverage(o.Shape, (x - o.CenterX) / half, (y - o.CenterY) / half, step, step, Supersampling);
                if (coverage <= 0) continue;
                var (r, g, b) = image[x, y];
                image[x, y] = (Blend(r, o.Color.R, coverage), Blend(g, o.Color.G, coverage), Blend(b, o.Color.B, coverage));
            }
        }
    }

    static byte Blend(byte under, byte over, double alpha) => (byte)Math.Round(under + (over - under) * alpha);
}
