using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// The token order of Token-Shuffle: a [B, G, G] grid of codes becomes [B, (G/s)², s²] windows, windows
/// row-major over the window grid and codes row-major inside a window (as pixel-shuffle orders them).
/// </summary>
public static class WindowOrder
{
    /// <summary>Codes [B, G, G] (or any [B, G, G, ...]) to windows [B, (G/s)², s², ...].</summary>
    public static Tensor Shuffle(Tensor grid, int s)
    {
        ArgumentNullException.ThrowIfNull(grid);
        CheckWindow(s);
        if (grid.dim() < 3 || grid.shape[1] != grid.shape[2] || grid.shape[1] % s != 0)
            throw new ArgumentException($"Expected a square grid [B, G, G, ...] with G divisible by {s}; got [{string.Join(", ", grid.shape)}].", nameof(grid));
        long b = grid.shape[0], w = grid.shape[1] / s;
        long[] rest = grid.shape[3..];
        return grid.reshape([b, w, s, w, s, .. rest]).transpose(2, 3).reshape([b, w * w, s * s, .. rest]);
    }

    /// <summary>The inverse of <see cref="Shuffle"/>: windows [B, W, s², ...] back to the grid [B, G, G, ...].</summary>
    public static Tensor Unshuffle(Tensor windows, int s)
    {
        ArgumentNullException.ThrowIfNull(windows);
        CheckWindow(s);
        long side = (long)Math.Round(Math.Sqrt(windows.dim() >= 2 ? windows.shape[1] : 0));
        if (windows.dim() < 3 || side * side != windows.shape[1] || windows.shape[2] != s * s)
            throw new ArgumentException($"Expected windows [B, W, {s * s}, ...] with W a square; got [{string.Join(", ", windows.shape)}].", nameof(windows));
        long b = windows.shape[0];
        long[] rest = windows.shape[3..];
        return windows.reshape([b, side, side, s, s, .. rest]).transpose(2, 3).reshape([b, side * s, side * s, .. rest]);
    }

    static void CheckWindow(int s)
    {
        if (s is not (1 or 2 or 4)) throw new ArgumentException($"The Token-Shuffle window must be 1, 2 or 4, got {s}.", nameof(s));
    }
}
