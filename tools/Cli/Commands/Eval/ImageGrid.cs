using Media.Services.Image.Data;

namespace Media.Cli.Commands.Eval;

/// <summary>Side-by-side sheets of same-sized images for the docs.</summary>
internal static class ImageGrid
{
    /// <summary>Four pairs per row, each pair (reference render | generated image), with a 2-pixel white gutter.</summary>
    public static RgbImage Pairs(IReadOnlyList<RgbImage> references, IReadOnlyList<RgbImage> generated)
    {
        const int perRow = 4, gap = 2;
        int w = generated[0].Width, h = generated[0].Height, rows = (generated.Count + perRow - 1) / perRow;
        int cellW = 2 * w + 3 * gap;
        var sheet = RgbImage.Filled(perRow * cellW, rows * (h + gap) + gap, 255, 255, 255);
        for (int i = 0; i < generated.Count; i++)
        {
            int x0 = (i % perRow) * cellW + gap, y0 = (i / perRow) * (h + gap) + gap;
            Blit(references[i], sheet, x0, y0);
            Blit(generated[i], sheet, x0 + w + gap, y0);
        }
        return sheet;
    }

    /// <summary>One row per entry, its images side by side (layout | content | one per ν for MagicMix), with a 2-pixel white gutter.</summary>
    public static RgbImage Rows(IReadOnlyList<IReadOnlyList<RgbImage>> rows)
    {
        const int gap = 2;
        int w = rows[0][0].Width, h = rows[0][0].Height, columns = rows.Max(r => r.Count);
        var sheet = RgbImage.Filled(columns * (w + gap) + gap, rows.Count * (h + gap) + gap, 255, 255, 255);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
                Blit(rows[r][c], sheet, gap + c * (w + gap), gap + r * (h + gap));
        return sheet;
    }

    static void Blit(RgbImage source, RgbImage target, int x0, int y0)
    {
        for (int y = 0; y < source.Height; y++)
            for (int x = 0; x < source.Width; x++)
                target[x0 + x, y0 + y] = source[x, y];
    }
}
