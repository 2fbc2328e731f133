using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// Deterministic analysis of one image of this domain: the background is the per-channel median of
/// the border; pixels far from it form 8-connected components; each component that is large enough
/// and filled with one colour is an object, whose colour is the nearest palette colour to its most
/// saturated half of pixels, whose shape comes from <see cref="ShapeTemplateMatcher"/>, whose cell
/// is that of its centroid and whose size class comes from its extent.
/// </summary>
public static class ImageAnalyzer
{
    /// <summary>RGB distance from the background above which a pixel is foreground (palette gaps are at least 85).</summary>
    public const double ForegroundThreshold = 32;

    /// <summary>RGB distance within which a pixel counts as the object's fill colour.</summary>
    public const double CoherenceRadius = 60;

    /// <summary>Fraction of an object's inner pixels that must lie within <see cref="CoherenceRadius"/> of its fill: a single-coloured object, not noise.</summary>
    public const double MinCoherence = 0.75;

    /// <summary>Smallest object area as a fraction of a cell's area (a small star covers about 0.09).</summary>
    public const double MinAreaFraction = 0.02;

    /// <summary>At most this many objects (the largest) are reported.</summary>
    public const int MaxObjects = 6;

    /// <summary>Extent fraction of a cell separating small from large (midway between the two classes).</summary>
    public const double LargeThreshold = (SceneLayout.SmallExtent + SceneLayout.LargeExtent) / 2;

    /// <summary>
    /// The foreground mask the analysis starts from, row-major: pixels farther than <see cref="ForegroundThreshold"/> from the
    /// border's median colour (MagicMix's layout preservation compares these masks).
    /// </summary>
    public static bool[] ForegroundMask(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bg = BorderMedian(image);
        var mask = new bool[image.Width * image.Height];
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                mask[y * image.Width + x] = Distance(image[x, y], bg) > ForegroundThreshold;
        return mask;
    }

    /// <summary>Intersection over union of two masks of the same size (1 when both are empty).</summary>
    public static double MaskIou(bool[] a, bool[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length) throw new ArgumentException("The masks differ in size.", nameof(b));
        int both = 0, either = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] && b[i]) both++;
            if (a[i] || b[i]) either++;
        }
        return either == 0 ? 1 : (double)both / either;
    }

    /// <summary>Finds the background and the objects of a square image.</summary>
    public static ImageAnalysis Analyze(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Width != image.Height)
            throw new ArgumentException($"The evaluator reads the 3x3 grid of square images; got {image.Width}x{image.Height}.", nameof(image));
        int size = image.Width;
        var bg = BorderMedian(image);
        var distance = new double[size * size];
        var mask = new bool[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                var (r, g, b) = image[x, y];
                double d = Distance((r, g, b), bg);
                distance[y * size + x] = d;
                mask[y * size + x] = d > ForegroundThreshold;
            }

        var (labels, components) = ConnectedComponents.Label(mask, size, size);
        double cell = SceneLayout.CellSize(size);
        var objects = new List<DetectedObject>();
        for (int k = 0; k < components.Count; k++)
        {
            if (components[k].Count < MinAreaFraction * cell * cell) continue;
            var detected = Describe(image, bg, distance, labels, k + 1, components[k], cell);
            if (detected is not null) objects.Add(detected);
        }
        var background = Palette.NearestBackgroundColor(bg.R, bg.G, bg.B);
        return new ImageAnalysis(background, objects.OrderByDescending(o => o.Area).Take(MaxObjects).ToArray());
    }

    static DetectedObject? Describe(RgbImage image, (byte R, byte G, byte B) bg, double[] distance, int[] labels, int label, List<int> pixels, double cell)
    {
        int size = image.Width;
        // Fill colour: the half of the pixels farthest from the background are the fully covered ones.
        var inner = pixels.OrderByDescending(p => distance[p]).ThenBy(p => p).Take(Math.Max(1, pixels.Count / 2)).ToArray();
        var fill = (R: Median(inner, p => image[p % size, p / size].R), G: Median(inner, p => image[p % size, p / size].G), B: Median(inner, p => image[p % size, p / size].B));
        int coherent = inner.Count(p => Distance(image[p % size, p / size], fill) <= CoherenceRadius);
        if (coherent < MinCoherence * inner.Length) return null;

        // Coverage of each pixel by the object: its colour's position between background and fill.
        int margin = ShapeTemplateMatcher.Margin;
        int minX = pixels.Min(p => p % size) - margin, maxX = pixels.Max(p => p % size) + margin;
        int minY = pixels.Min(p => p / size) - margin, maxY = pixels.Max(p => p / size) + margin;
        minX = Math.Max(0, minX); minY = Math.Max(0, minY); maxX = Math.Min(size - 1, maxX); maxY = Math.Min(size - 1, maxY);
        int bw = maxX - minX + 1, bh = maxY - minY + 1;
        var coverage = new double[bw * bh];
        double fr = fill.R - bg.R, fg = fill.G - bg.G, fb = fill.B - bg.B, norm = fr * fr + fg * fg + fb * fb;
        double area = 0, sumX = 0, sumY = 0;
        for (int y = minY; y <= maxY; y++)
            for (int x = minX; x <= maxX; x++)
            {
                int l = labels[y * size + x];
                if (l != label && l != 0) continue; // another object's pixels
                var (r, g, b) = image[x, y];
                double a = Math.Clamp(((r - bg.R) * fr + (g - bg.G) * fg + (b - bg.B) * fb) / norm, 0, 1);
                coverage[(y - minY) * bw + (x - minX)] = a;
                area += a;
                sumX += a * (x + 0.5);
                sumY += a * (y + 0.5);
            }
        if (area <= 0) return null;
        double cx = sumX / area, cy = sumY / area;

        var bounds = Bounds(coverage, minX, minY, bw, bh);
        var (shape, score) = ShapeTemplateMatcher.Match(coverage, minX, minY, bw, bh, bounds);
        double extent = Math.Max(bounds.Right - bounds.Left, bounds.Bottom - bounds.Top);
        var sizeClass = extent / cell >= LargeThreshold ? SizeClass.Large : SizeClass.Small;
        var color = Palette.NearestObjectColor(fill.R, fill.G, fill.B);
        return new DetectedObject(shape, score, color, sizeClass, SceneLayout.CellAt(cx, cy, size), cx, cy, area, extent);
    }

    // Continuous bounds where the outermost columns (rows) reach half coverage, interpolating between
    // pixel centres: exact for straight edges, crisp or blurred, and within a pixel for tips and curves.
    static (double Left, double Top, double Right, double Bottom) Bounds(double[] coverage, int boxX, int boxY, int bw, int bh)
    {
        var colMax = new double[bw];
        var rowMax = new double[bh];
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i++)
            {
                double a = coverage[j * bw + i];
                colMax[i] = Math.Max(colMax[i], a);
                rowMax[j] = Math.Max(rowMax[j], a);
            }
        var (left, right) = HalfCrossings(colMax);
        var (top, bottom) = HalfCrossings(rowMax);
        return (boxX + left, boxY + top, boxX + right, boxY + bottom);
    }

    static (double First, double Last) HalfCrossings(double[] profile)
    {
        const double Half = 0.5;
        int peak = Array.IndexOf(profile, profile.Max());
        if (profile[peak] < Half) return (peak, peak + 1);
        int i = peak;
        while (i > 0 && profile[i - 1] >= Half) i--;
        double before = i > 0 ? profile[i - 1] : 0;
        double first = i - 0.5 + (Half - before) / (profile[i] - before);
        int k = peak;
        while (k < profile.Length - 1 && profile[k + 1] >= Half) k++;
        double after = k < profile.Length - 1 ? profile[k + 1] : 0;
        double last = k + 0.5 + (profile[k] - Half) / (profile[k] - after);
        return (first, last);
    }

    static (byte R, byte G, byte B) BorderMedian(RgbImage image)
    {
        int size = image.Width, band = Math.Max(1, size / 32);
        var border = new List<(byte R, byte G, byte B)>();
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                if (x < band || y < band || x >= size - band || y >= size - band) border.Add(image[x, y]);
        return (Median(border, c => c.R), Median(border, c => c.G), Median(border, c => c.B));
    }

    static byte Median<T>(IReadOnlyCollection<T> items, Func<T, byte> channel)
    {
        var values = items.Select(channel).Order().ToArray();
        return values[values.Length / 2];
    }

    static double Distance((byte R, byte G, byte B) a, (byte R, byte G, byte B) b)
    {
        double dr = a.R - b.R, dg = a.G - b.G, db = a.B - b.B;
        return Math.Sqrt(dr * dr + dg * dg + db * db);
    }
}
