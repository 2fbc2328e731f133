using Media.Tokenizers.Text;
using static TorchSharp.torch;

namespace Media.Services.Image.Mar;

/// <summary>
/// Captions to MAR condition ids: the caption's tokens in the compact caption vocabulary, one per
/// buffer slot, padded on the right with the pad id (whose embedding is learned like any other).
/// The unconditional branch does not use ids at all: it is <c>fake_latent</c> in every slot.
/// </summary>
public sealed class MarCaptions
{
    /// <summary>Conditioning for a caption-conditioned <paramref name="config"/>.</summary>
    public MarCaptions(MarConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ids = config.CaptionGpt2Ids ?? throw new ArgumentException("This MAR model is class-conditioned; it has no caption vocabulary.", nameof(config));
        Vocabulary = new CaptionVocabulary(ids);
        Length = config.BufferSize;
    }

    /// <summary>Conditioning of <paramref name="length"/> slots over <paramref name="vocabulary"/> (the latent DiT reads captions the same way).</summary>
    public MarCaptions(CaptionVocabulary vocabulary, int length)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Vocabulary = vocabulary;
        Length = length;
    }

    /// <summary>The caption vocabulary.</summary>
    public CaptionVocabulary Vocabulary { get; }

    /// <summary>Condition slots (the buffer size).</summary>
    public int Length { get; }

    /// <summary>The ids of <paramref name="caption"/>; throws <see cref="ArgumentException"/> when it has more tokens than slots.</summary>
    public long[] Encode(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var text = Vocabulary.Encode(caption.Trim());
        if (text.Count > Length)
            throw new ArgumentException($"The prompt is {text.Count} tokens long; this model reads at most {Length}.", nameof(caption));
        var ids = new long[Length];
        for (int i = 0; i < text.Count; i++) ids[i] = text[i];
        return ids;
    }

    /// <summary>Condition ids [B, buffer] of several captions.</summary>
    public Tensor EncodeBatch(IEnumerable<string> captions, Device? device = null)
    {
        var rows = captions.Select(Encode).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), ScalarType.Int64, device).view(rows.Length, Length);
    }
}
