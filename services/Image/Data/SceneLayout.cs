namespace Media.Services.Image.Data;

/// <summary>Geometry of the 3x3 layout: cell size, object extents per size class, placement jitter.</summary>
public static class SceneLayout
{
    /// <summary>Extent (bounding-box side) of a small object as a fraction of the cell side.</summary>
    public const double SmallExtent = 0.5;

    /// <summary>Extent of a large object as a fraction of the cell side.</summary>
    public const double LargeExtent = 0.8;

    /// <summary>
    /// Fraction of the free margin the centre may move by. Half keeps at least a fifth of a cell
    /// between objects in neighbouring cells, so they never touch.
    /// </summary>
    public const double JitterFraction = 0.5;

    /// <summary>Extent fraction of a size class.</summary>
    public static double ExtentFraction(SizeClass size) => size == SizeClass.Small ? SmallExtent : LargeExtent;

    /// <summary>The side of one grid cell in pixels.</summary>
    public static double CellSize(int imageSize) => imageSize / 3.0;

    /// <summary>The centre of a cell in pixel coordinates (pixel edges at integers).</summary>
    public static (double X, double Y) CellCenter(GridCell cell, int imageSize)
    {
        double c = CellSize(imageSize);
        return ((cell.Column + 0.5) * c, (cell.Row + 0.5) * c);
    }

    /// <summary>The largest centre offset allowed for an object of this size, in pixels.</summary>
    public static double MaxJitter(SizeClass size, int imageSize) =>
        JitterFraction * (1 - ExtentFraction(size)) / 2 * CellSize(imageSize);

    /// <summary>The cell a point (pixel coordinates) falls in.</summary>
    public static GridCell CellAt(double x, double y, int imageSize)
    {
        double c = CellSize(imageSize);
        int column = Math.Clamp((int)Math.Floor(x / c), 0, 2);
        int row = Math.Clamp((int)Math.Floor(y / c), 0, 2);
        return new GridCell(row, column);
    }
}
