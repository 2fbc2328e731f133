namespace Media.Services.Image.Data;

/// <summary>
/// The named colours. Object colours are at least 85 apart in RGB, and every object colour is at least
/// 85 from every background, so segmentation and nearest-colour classification stay unambiguous.
/// </summary>
public static class Palette
{
    /// <summary>Colours an object can have.</summary>
    public static IReadOnlyList<NamedColor> ObjectColors { get; } =
    [
        new("red", 220, 40, 40),
        new("orange", 250, 140, 20),
        new("yellow", 245, 225, 40),
        new("green", 40, 170, 60),
        new("blue", 40, 80, 220),
        new("purple", 140, 60, 190),
        new("white", 245, 245, 245),
        new("black", 20, 20, 20),
    ];

    /// <summary>Colours the background can have; none is used for objects.</summary>
    public static IReadOnlyList<NamedColor> BackgroundColors { get; } =
    [
        new("gray", 128, 128, 128),
        new("beige", 205, 190, 150),
        new("teal", 30, 110, 120),
    ];

    /// <summary>The object colour nearest to an RGB value.</summary>
    public static NamedColor NearestObjectColor(byte r, byte g, byte b) => Nearest(ObjectColors, r, g, b);

    /// <summary>The background colour nearest to an RGB value.</summary>
    public static NamedColor NearestBackgroundColor(byte r, byte g, byte b) => Nearest(BackgroundColors, r, g, b);

    static NamedColor Nearest(IReadOnlyList<NamedColor> colors, byte r, byte g, byte b)
    {
        var best = colors[0];
        double bestDistance = double.MaxValue;
        foreach (var c in colors)
        {
            double d = c.DistanceTo(r, g, b);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best;
    }
}
