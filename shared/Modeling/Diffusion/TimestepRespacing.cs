using System.Globalization;

namespace Media.Modeling.Diffusion;

/// <summary>
/// iDDPM's <c>space_timesteps</c>: which steps of a T-step process a shorter sampler keeps.
/// "100" spreads 100 steps evenly (rounding half to even, as Python's round does); "10,15,20" splits the
/// process into equal sections with that many steps each; "ddim50" uses DDIM's fixed stride.
/// </summary>
public static class TimestepRespacing
{
    /// <summary>
    /// The kept timesteps, ascending. With <paramref name="maxTimestep"/> the spacing covers only
    /// 0..maxTimestep, so the chain starts there instead of at T - 1 (DiSA samples MAR with at most 950;
    /// our reading of "clipped", unconfirmed against their code).
    /// </summary>
    public static int[] Space(int timesteps, string sectionCounts, int? maxTimestep = null)
    {
        ArgumentNullException.ThrowIfNull(sectionCounts);
        if (timesteps <= 0) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "The process needs at least one step.");
        if (maxTimestep is { } max)
        {
            if (max < 0 || max >= timesteps)
                throw new ArgumentOutOfRangeException(nameof(maxTimestep), max, $"The largest kept timestep must be in [0, {timesteps - 1}].");
            timesteps = max + 1;
        }

        string text = sectionCounts.Trim();
        if (text.StartsWith("ddim", StringComparison.Ordinal))
        {
            int desired = ParseCount(text[4..], sectionCounts);
            for (int stride = 1; stride < timesteps; stride++)
            {
                if ((timesteps + stride - 1) / stride == desired)
                    return [.. Enumerable.Range(0, desired).Select(i => i * stride)];
            }
            throw new ArgumentException($"Cannot create exactly {desired} steps with an integer stride over {timesteps} timesteps.", nameof(sectionCounts));
        }

        int[] counts = [.. text.Split(',').Select(s => ParseCount(s, sectionCounts))];
        int sizePer = timesteps / counts.Length, extra = timesteps % counts.Length, start = 0;
        var steps = new SortedSet<int>();
        for (int i = 0; i < counts.Length; i++)
        {
            int size = sizePer + (i < extra ? 1 : 0);
            if (size < counts[i])
                throw new ArgumentException($"Cannot take {counts[i]} steps from a section of {size} timesteps.", nameof(sectionCounts));
            double stride = counts[i] <= 1 ? 1 : (size - 1.0) / (counts[i] - 1);
            double index = 0;
            for (int k = 0; k < counts[i]; k++)
            {
                steps.Add(start + (int)Math.Round(index, MidpointRounding.ToEven));
                index += stride;
            }
            start += size;
        }
        return [.. steps];
    }

    static int ParseCount(string text, string whole)
    {
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        throw new ArgumentException($"Invalid timestep respacing '{whole}': use a step count such as \"100\", sections such as \"10,15,20\", or \"ddimN\".", nameof(whole));
    }
}
