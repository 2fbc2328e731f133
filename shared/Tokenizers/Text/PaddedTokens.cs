namespace Media.Tokenizers.Text;

/// <summary>A fixed-length id sequence: the first <see cref="Length"/> ids are the text, the rest padding.</summary>
public sealed record PaddedTokens(IReadOnlyList<int> Ids, int Length)
{
    /// <summary>True where an id is text, false where it is padding.</summary>
    public IEnumerable<bool> Mask => Ids.Select((_, i) => i < Length);

    /// <summary>The text ids only.</summary>
    public IEnumerable<int> TextIds => Ids.Take(Length);
}
