namespace Media.Services.Image.Data;

/// <summary>A cell of the 3x3 layout grid; row 0 is the top, column 0 the left.</summary>
public readonly record struct GridCell
{
    /// <summary>Creates a cell, checking both coordinates lie in 0..2.</summary>
    public GridCell(int row, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(row, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(column, 2);
        Row = row;
        Column = column;
    }

    /// <summary>0 (top) to 2 (bottom).</summary>
    public int Row { get; }

    /// <summary>0 (left) to 2 (right).</summary>
    public int Column { get; }

    /// <summary>Row-major index 0..8.</summary>
    public int Index => Row * 3 + Column;

    /// <summary>The cell with row-major index 0..8.</summary>
    public static GridCell FromIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 8);
        return new GridCell(index / 3, index % 3);
    }

    /// <summary>All nine cells in row-major order.</summary>
    public static IReadOnlyList<GridCell> All { get; } = Enumerable.Range(0, 9).Select(FromIndex).ToArray();

    /// <summary>
    /// The relation of this cell to <paramref name="other"/>: the axis with the larger difference decides;
    /// null when the cells are equal or lie on an exact diagonal (no dominant axis).
    /// </summary>
    public SpatialRelation? RelationTo(GridCell other)
    {
        int dr = Row - other.Row, dc = Column - other.Column;
        if (Math.Abs(dc) > Math.Abs(dr)) return dc < 0 ? SpatialRelation.LeftOf : SpatialRelation.RightOf;
        if (Math.Abs(dr) > Math.Abs(dc)) return dr < 0 ? SpatialRelation.Above : SpatialRelation.Below;
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => CaptionWords.CellName(this);
}
