namespace Media.Services.Image.Data;

/// <summary>A colour with the English word the captions use for it.</summary>
public sealed record NamedColor(string Name, byte R, byte G, byte B)
{
    /// <summary>Euclidean distance in RGB space.</summary>
    public double DistanceTo(byte r, byte g, byte b)
    {
        double dr = R - r, dg = G - g, db = B - b;
        return Math.Sqrt(dr * dr + dg * dg + db * db);
    }

    /// <summary>Euclidean distance in RGB space.</summary>
    public double DistanceTo(NamedColor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return DistanceTo(other.R, other.G, other.B);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
