namespace Media.Tokenizers.Text;

/// <summary>Text to token ids and back.</summary>
public interface ITextTokenizer
{
    /// <summary>Number of distinct ids (embedding rows a model needs).</summary>
    int VocabularySize { get; }

    /// <summary>The id that fills padded positions (masked out by <see cref="PaddedTokens.Length"/>).</summary>
    int PadId { get; }

    /// <summary>The ids of a text, without special tokens.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>The text of a sequence of ids.</summary>
    string Decode(IEnumerable<int> ids);
}
