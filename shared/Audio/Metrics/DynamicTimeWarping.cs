namespace Media.Audio.Metrics;

/// <summary>A monotone alignment from (0, 0) to (rows - 1, columns - 1) and its summed local cost.</summary>
public sealed record DtwAlignment(double TotalCost, IReadOnlyList<(int Row, int Column)> Path);

/// <summary>
/// Dynamic time warping over a local cost matrix with steps (1, 0), (0, 1), (1, 1):
/// A[i][j] = cost[i][j] + min(A[i-1][j], A[i][j-1], A[i-1][j-1]); the path is traced back from the end.
/// </summary>
public static class DynamicTimeWarping
{
    /// <summary>The cheapest alignment of <paramref name="cost"/> (<c>[rows][columns]</c>, rectangular, non-empty).</summary>
    public static DtwAlignment Align(double[][] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int rows = cost.Length;
        if (rows == 0 || cost[0].Length == 0) throw new ArgumentException("The cost matrix is empty.", nameof(cost));
        int columns = cost[0].Length;
        if (cost.Any(row => row.Length != columns)) throw new ArgumentException("The cost matrix is not rectangular.", nameof(cost));

        var total = new double[rows][];
        for (int i = 0; i < rows; i++)
        {
            total[i] = new double[columns];
            for (int j = 0; j < columns; j++)
            {
                double best = i == 0 && j == 0 ? 0 : double.PositiveInfinity;
                if (i > 0) best = Math.Min(best, total[i - 1][j]);
                if (j > 0) best = Math.Min(best, total[i][j - 1]);
                if (i > 0 && j > 0) best = Math.Min(best, total[i - 1][j - 1]);
                total[i][j] = cost[i][j] + best;
            }
        }

        var path = new List<(int, int)>();
        int r = rows - 1, c = columns - 1;
        path.Add((r, c));
        while (r > 0 || c > 0)
        {
            // Prefer the diagonal on ties so equal-length identical inputs align one to one.
            if (r > 0 && c > 0 && total[r - 1][c - 1] <= total[r - 1][c] && total[r - 1][c - 1] <= total[r][c - 1]) { r--; c--; }
            else if (r > 0 && (c == 0 || total[r - 1][c] <= total[r][c - 1])) r--;
            else c--;
            path.Add((r, c));
        }
        path.Reverse();
        return new DtwAlignment(total[rows - 1][columns - 1], path);
    }
}
