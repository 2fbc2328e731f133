using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Pixels a reconstruction paints where its original has only background: foreground in the reconstruction (read against
/// its own border colour, as <see cref="ImageAnalyzer"/> reads it) and more than <see cref="Reach"/> pixels from every
/// foreground pixel of the original, so soft or slightly grown edges do not count. Each is placed in a quadrant around the
/// centre of the original's nearest object: a tokenizer artefact that always sits on one side (the "speck above right of
/// objects" an outside check found in image-vq's reconstructions) shows as one quadrant holding most of them, where noise
/// spreads over all four. Pixels of an image without objects are counted but placed in no quadrant.
/// </summary>
/// <param name="Images">Image pairs measured.</param>
/// <param name="Count">Stray pixels over all of them.</param>
/// <param name="AboveRight">Those above and right of (or level with) their nearest object's centre.</param>
/// <param name="AboveLeft">Above and left.</param>
/// <param name="BelowLeft">Below and left.</param>
/// <param name="BelowRight">Below and right.</param>
public sealed record StrayPixels(int Images, int Count, int AboveRight, int AboveLeft, int BelowLeft, int BelowRight)
{
    /// <summary>Distance in pixels (Chebyshev) from the original's foreground within which a painted pixel is an edge, not a stray.</summary>
    public const int Reach = 2;

    /// <summary>Nothing measured yet (the start of a sum).</summary>
    public static StrayPixels None { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Stray pixels per image.</summary>
    public double PerImage => Images == 0 ? 0 : (double)Count / Images;

    /// <summary>The stray pixels of one reconstruction against its original (both the same size).</summary>
    public static StrayPixels Measure(RgbImage original, RgbImage reconstruction)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(reconstruction);
        if (original.Width != reconstruction.Width || original.Height != reconstruction.Height)
            throw new ArgumentException($"The reconstruction is {reconstruction.Width}x{reconstruction.Height}, its original {original.Width}x{original.Height}.", nameof(reconstruction));
        int w = original.Width, h = original.Height;
        var reached = Grow(ImageAnalyzer.ForegroundMask(original), w, h);
        var painted = ImageAnalyzer.ForegroundMask(reconstruction);
        var centres = ImageAnalyzer.Analyze(original).Objects.Select(o => (o.CentroidX, o.CentroidY)).ToArray();
        int count = 0, aboveRight = 0, aboveLeft = 0, belowLeft = 0, belowRight = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!painted[y * w + x] || reached[y * w + x]) continue;
                count++;
                if (centres.Length == 0) continue;
                double px = x + 0.5, py = y + 0.5;
                var (cx, cy) = centres.MinBy(c => (c.CentroidX - px) * (c.CentroidX - px) + (c.CentroidY - py) * (c.CentroidY - py));
                bool right = px >= cx, above = py <= cy;
                if (above && right) aboveRight++;
                else if (above) aboveLeft++;
                else if (right) belowRight++;
                else belowLeft++;
            }
        return new StrayPixels(1, count, aboveRight, aboveLeft, belowLeft, belowRight);
    }

    /// <summary>The sum of two measurements.</summary>
    public StrayPixels Add(StrayPixels other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new StrayPixels(Images + other.Images, Count + other.Count, AboveRight + other.AboveRight, AboveLeft + other.AboveLeft,
            BelowLeft + other.BelowLeft, BelowRight + other.BelowRight);
    }

    /// <summary>Fraction of the placed stray pixels in each quadrant (0 when none), in the order above right, above left, below left, below right.</summary>
    public (double AboveRight, double AboveLeft, double BelowLeft, double BelowRight) Shares()
    {
        double placed = AboveRight + AboveLeft + BelowLeft + BelowRight;
        return placed == 0 ? (0, 0, 0, 0) : (AboveRight / placed, AboveLeft / placed, BelowLeft / placed, BelowRight / placed);
    }

    // The mask grown by Reach pixels in every direction (a square neighbourhood).
    static bool[] Grow(bool[] mask, int w, int h)
    {
        var grown = new bool[mask.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!mask[y * w + x]) continue;
                for (int yy = Math.Max(0, y - Reach); yy <= Math.Min(h - 1, y + Reach); yy++)
                    for (int xx = Math.Max(0, x - Reach); xx <= Math.Min(w - 1, x + Reach); xx++)
                        grown[yy * w + xx] = true;
            }
        return grown;
    }
}
