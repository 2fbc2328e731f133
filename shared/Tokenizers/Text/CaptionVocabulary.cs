using System.Text;

namespace Media.Tokenizers.Text;

/// <summary>
/// A compact vocabulary over GPT-2 BPE: only the GPT-2 ids a closed word list can produce, renumbered
/// densely, so a tiny model needs tens of embedding rows instead of 50257. Id 0 is padding, 1 is
/// &lt;unk&gt; (any GPT-2 id outside the list), then the GPT-2 ids in ascending order. Built
/// deterministically: the same words give the same ids.
/// </summary>
public sealed class CaptionVocabulary : ITextTokenizer
{
    /// <summary>The padding id.</summary>
    public const int Pad = 0;

    /// <summary>The id of any GPT-2 token outside the vocabulary.</summary>
    public const int Unknown = 1;

    /// <summary>How unknown tokens read when decoded.</summary>
    public const string UnknownText = "<unk>";

    const int FirstWordId = 2;
    readonly Gpt2TextTokenizer gpt2;
    readonly int[] gpt2Ids;
    readonly Dictionary<int, int> denseByGpt2;

    /// <summary>A vocabulary over the given GPT-2 ids (as saved from <see cref="Gpt2Ids"/>).</summary>
    public CaptionVocabulary(IEnumerable<int> gpt2Ids, Gpt2TextTokenizer? gpt2 = null)
    {
        ArgumentNullException.ThrowIfNull(gpt2Ids);
        this.gpt2 = gpt2 ?? Gpt2TextTokenizer.Shared;
        this.gpt2Ids = gpt2Ids.Distinct().Order().ToArray();
        foreach (var id in this.gpt2Ids)
            if ((uint)id >= (uint)this.gpt2.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(gpt2Ids), id, "Not a GPT-2 id.");
        denseByGpt2 = this.gpt2Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i + FirstWordId);
    }

    /// <summary>
    /// The vocabulary of every text made of <paramref name="words"/> separated by spaces: GPT-2 splits text
    /// into words (with their leading space) before BPE, so each word is encoded alone and after a space.
    /// </summary>
    public static CaptionVocabulary FromWords(IEnumerable<string> words, Gpt2TextTokenizer? gpt2 = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        gpt2 ??= Gpt2TextTokenizer.Shared;
        var ids = new HashSet<int>();
        foreach (var word in words)
        {
            if (string.IsNullOrWhiteSpace(word) || word.Any(char.IsWhiteSpace))
                throw new ArgumentException($"'{word}' is not a single word.", nameof(words));
            ids.UnionWith(gpt2.Encode(word));
            ids.UnionWith(gpt2.Encode(" " + word));
        }
        return new CaptionVocabulary(ids, gpt2);
    }

    /// <summary>The GPT-2 id behind each word id, in order (dense id = index + 2); save this to rebuild the vocabulary.</summary>
    public IReadOnlyList<int> Gpt2Ids => gpt2Ids;

    /// <inheritdoc />
    public int VocabularySize => gpt2Ids.Length + FirstWordId;

    /// <inheritdoc />
    public int PadId => Pad;

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text) =>
        gpt2.Encode(text).Select(id => denseByGpt2.TryGetValue(id, out var dense) ? dense : Unknown).ToArray();

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var run = new List<int>();
        void Flush()
        {
            if (run.Count > 0) text.Append(gpt2.Decode(run));
            run.Clear();
        }
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Caption vocabulary ids lie in 0..{VocabularySize - 1}.");
            if (id == Pad) continue;
            if (id == Unknown)
            {
                Flush();
                text.Append(UnknownText);
                continue;
            }
            run.Add(gpt2Ids[id - FirstWordId]);
        }
        Flush();
        return text.ToString();
    }
}
