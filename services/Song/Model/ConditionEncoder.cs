using Media.Modeling.Transformers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.Model;

/// <summary>
/// One of SongGen's condition encoders, scaled down: token ids through a small bidirectional transformer (the shared
/// <see cref="DecoderTransformer"/> under a pattern where every position sees every other), projected to the decoder's
/// width (SongGen's <c>enc_to_dec_proj</c> and <c>lyrics_to_dec_proj</c>). SongGen's description encoder is a frozen
/// FLAN-T5 and its lyrics encoder a Conformer over VoiceBPE ids; ours are trained from scratch over UTF-8 bytes
/// (description) and <see cref="Lyrics.LyricsTokenizer"/>'s characters (lyrics). Each row is encoded alone at its own
/// length, so padding never enters an encoder; the rows are then padded into one memory with a mask. The modules belong
/// to <see cref="SongGenModel"/> (their keys are SongGen's); this reads them.
/// </summary>
public sealed class ConditionEncoder(DecoderTransformer encoder, Linear projection)
{
    // Every key at a position below int.MaxValue is visible: full bidirectional attention among the tokens.
    static readonly AttentionPattern Bidirectional = AttentionPattern.PrefixBidirectional(int.MaxValue);

    /// <summary>Longest input it encodes.</summary>
    public int MaxTokens => encoder.Config.MaxSeqLen;

    /// <summary>States [1, T, decoder dim] of one row of ids (1..<see cref="MaxTokens"/> of them).</summary>
    public Tensor Encode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0 || ids.Count > MaxTokens)
            throw new ArgumentException($"An encoder input holds 1 to {MaxTokens} tokens, got {ids.Count}.", nameof(ids));
        using var scope = NewDisposeScope();
        var tokens = tensor(ids.Select(i => (long)i).ToArray(), ScalarType.Int64, encoder.Device).view(1, -1);
        return projection.call(encoder.HiddenFull(encoder.Embed(tokens), pattern: Bidirectional)).MoveToOuterDisposeScope();
    }
}
