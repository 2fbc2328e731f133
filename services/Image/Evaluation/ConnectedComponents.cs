namespace Media.Services.Image.Evaluation;

/// <summary>8-connected component labelling of a boolean mask by breadth-first flood fill.</summary>
internal static class ConnectedComponents
{
    /// <summary>Labels per pixel (0 = not in the mask, 1.. = component) and each component's pixel indices.</summary>
    public static (int[] Labels, List<List<int>> Components) Label(bool[] mask, int width, int height)
    {
        var labels = new int[mask.Length];
        var components = new List<List<int>>();
        var queue = new Queue<int>();
        for (int start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0) continue;
            var pixels = new List<int>();
            int label = components.Count + 1;
            labels[start] = label;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int p = queue.Dequeue();
                pixels.Add(p);
                int x = p % width, y = p / width;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int ny = y + dy;
                    if ((uint)ny >= (uint)height) continue;
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx;
                        if ((uint)nx >= (uint)width) continue;
                        int q = ny * width + nx;
                        if (mask[q] && labels[q] == 0)
                        {
                            labels[q] = label;
                            queue.Enqueue(q);
                        }
                    }
                }
            }
            components.Add(pixels);
        }
        return (labels, components);
    }
}
