namespace Media.Services.Audio.Speech.Recognizer;

/// <summary>Best-path CTC decoding: take the most likely symbol per frame, merge runs of the same symbol, drop blanks.</summary>
public static class CtcGreedyDecoder
{
    /// <summary>
    /// The label sequence of a best path: consecutive repeats merge into one, then blanks are removed, so
    /// a symbol repeated in the output needs a blank between its frames (a a _ a -> a a).
    /// </summary>
    public static IReadOnlyList<int> Collapse(IEnumerable<int> framewise, int blank)
    {
        ArgumentNullException.ThrowIfNull(framewise);
        var labels = new List<int>();
        int previous = -1;
        foreach (int id in framewise)
        {
            if (id != previous && id != blank) labels.Add(id);
            previous = id;
        }
        return labels;
    }
}
