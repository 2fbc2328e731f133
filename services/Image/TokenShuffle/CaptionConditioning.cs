using Media.Tokenizers.Text;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Captions to condition ids: the caption's GPT-2 BPE tokens in the compact caption vocabulary, left-padded to
/// <c>ConditionLength - 1</c>, then &lt;boi&gt; (the last row of the condition table) whose hidden state predicts the
/// first window. The null caption (all padding, then &lt;boi&gt;) is what caption dropout trains and CFG subtracts.
/// </summary>
public sealed class CaptionConditioning
{
    /// <summary>Conditioning for a model config that carries its caption vocabulary.</summary>
    public CaptionConditioning(TokenShuffleConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ids = config.TextGpt2Ids ?? throw new ArgumentException("This model has no caption vocabulary (text_gpt2_ids); it is class-conditioned.", nameof(config));
        Vocabulary = new CaptionVocabulary(ids);
        if (config.ConditionVocabSize != Vocabulary.VocabularySize + 1)
            throw new ArgumentException(
                $"condition_vocab_size {config.ConditionVocabSize} must be the caption vocabulary ({Vocabulary.VocabularySize}) plus <boi>.", nameof(config));
        Length = config.ConditionLength;
    }

    /// <summary>The caption vocabulary.</summary>
    public CaptionVocabulary Vocabulary { get; }

    /// <summary>Condition positions (caption tokens + &lt;boi&gt;).</summary>
    public int Length { get; }

    /// <summary>The &lt;boi&gt; id.</summary>
    public int BeginOfImage => Vocabulary.VocabularySize;

    /// <summary>Condition table rows a model needs for this vocabulary.</summary>
    public static int ConditionVocabSize(CaptionVocabulary vocabulary) => vocabulary.VocabularySize + 1;

    /// <summary>The condition ids of <paramref name="caption"/>; an empty caption gives the null caption.</summary>
    public long[] Encode(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var text = Vocabulary.Encode(caption.Trim());
        if (text.Count > Length - 1)
            throw new ArgumentException($"The prompt is {text.Count} tokens long; this model reads at most {Length - 1}.", nameof(caption));
        var ids = new long[Length];
        for (int i = 0; i < text.Count; i++) ids[Length - 1 - text.Count + i] = text[i];
        ids[^1] = BeginOfImage;
        return ids;
    }

    /// <summary>The null caption: padding then &lt;boi&gt;.</summary>
    public long[] Null => Encode("");

    /// <summary>Condition ids [B, C] of several captions.</summary>
    public Tensor EncodeBatch(IEnumerable<string> captions, Device? device = null)
    {
        var rows = captions.Select(Encode).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), ScalarType.Int64, device).view(rows.Length, Length);
    }
}
