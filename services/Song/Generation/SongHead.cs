using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Song.Model;
using static TorchSharp.torch;

namespace Media.Services.Song.Generation;

/// <summary>
/// SongGen's output and input side for the shared scheduler: the hidden state of a step read out by one head per stream
/// ([N, streams, vocabulary], the pad and bos ids pushed to -1e9, finite so guidance never subtracts infinities, since the layout forces them where they belong), and a step's
/// picked ids embedded by the summed stream tables. Every song request of one model shares the instance, so the
/// scheduler reads them out, samples and embeds them together.
/// </summary>
public sealed class SongHead(SongGenModel song) : TokenHead
{
    /// <inheritdoc/>
    public override Tensor Readout(DecoderTransformer model, Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var logits = song.Decoder.Heads(hidden);
        int size = song.Config.CodebookSize;
        return logits.index_fill(-1, arange(size, size + 2, device: logits.device), -1e9).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override Tensor Embed(DecoderTransformer model, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return song.Decoder.Embed(tokens.unsqueeze(-1));
    }
}
