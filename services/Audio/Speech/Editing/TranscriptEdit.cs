namespace Media.Services.Audio.Speech.Editing;

/// <summary>
/// The one span where two canonical transcripts differ, found word by word: the words both share at the start and at the
/// end are kept, and what lies between is replaced (an insertion, a deletion or a replacement). The spans are character
/// ranges: with words kept after it, a span runs from the start of its first word up to the start of the first kept word
/// (its trailing space included); with none kept after it, from the end of the last kept word to the end (its leading
/// space included). So <c>Old[..OldStart] + New[NewStart..NewEnd] + Old[OldEnd..] == New</c> holds with single spaces.
/// </summary>
public sealed record TranscriptEdit(string Old, string New, int OldStart, int OldEnd, int NewStart, int NewEnd)
{
    /// <summary>The old words that are replaced ("" for an insertion).</summary>
    public string OldSpan => Old[OldStart..OldEnd];

    /// <summary>The new words in their place ("" for a deletion).</summary>
    public string NewSpan => New[NewStart..NewEnd];

    /// <summary>
    /// The edit that turns <paramref name="old"/> into <paramref name="new"/> (both canonical: single spaces, no leading or
    /// trailing space). Throws an <see cref="ArgumentException"/> when they are the same words.
    /// </summary>
    public static TranscriptEdit Between(string old, string @new)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var a = old.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var b = @new.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        if (head == a.Length && head == b.Length) throw new ArgumentException("The new text says the same words as the transcript: there is nothing to edit.");
        int tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)]) tail++;
        var (oldStart, oldEnd) = Span(a, head, tail);
        var (newStart, newEnd) = Span(b, head, tail);
        return new TranscriptEdit(string.Join(' ', a), string.Join(' ', b), oldStart, oldEnd, newStart, newEnd);
    }

    /// <summary>Characters of the words between the first <paramref name="head"/> and the last <paramref name="tail"/> words, with the space that joins them to the rest.</summary>
    static (int Start, int End) Span(string[] words, int head, int tail)
    {
        int Offset(int word) => words.Take(word).Sum(w => w.Length + 1);   // start of word i in the joined text
        int length = words.Sum(w => w.Length) + Math.Max(words.Length - 1, 0);
        if (tail > 0) return (Offset(head), Offset(words.Length - tail));
        // Nothing kept after: the span takes the space before it, so deleting the last words leaves no trailing space.
        return head == 0 ? (0, length) : (Offset(head) - 1, length);
    }
}
