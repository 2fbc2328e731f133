using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// Keys and values of the clean context of one utterance being generated — its text, then each clean block as it
/// is appended — per layer, [1, heads, positions, head_dim]. Noisy blocks read it but never write to it. Each layer's
/// buffer is allocated once at <see cref="Capacity"/> positions and written in place, so appending a block copies the
/// block, not the whole context, and caches of one model can be stacked for a batched step by views of one length.
/// </summary>
public sealed class ArditContextCache : IDisposable
{
    readonly (Tensor Keys, Tensor Values)?[] buffers;
    readonly int[] lengths;

    internal ArditContextCache(int layerCount, int textLength, int totalFrames, int capacity)
    {
        if (capacity < textLength + totalFrames) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"The cache must hold the text and every frame ({textLength + totalFrames} positions).");
        buffers = new (Tensor, Tensor)?[layerCount];
        lengths = new int[layerCount];
        TextLength = textLength;
        TotalFrames = totalFrames;
        SuffixStart = totalFrames;
        Capacity = capacity;
    }

    /// <summary>Text tokens at the start of the context.</summary>
    public int TextLength { get; }

    /// <summary>The utterance's total number of latent frames (the duration input).</summary>
    public int TotalFrames { get; }

    /// <summary>Positions each layer's buffer holds (the model's longest text and utterance together).</summary>
    public int Capacity { get; }

    /// <summary>First frame of the fill-in-the-middle suffix in the cache (<see cref="ArditModel.AppendSuffix"/>); <see cref="TotalFrames"/> when there is none.</summary>
    public int SuffixStart { get; internal set; }

    /// <summary>Clean frames appended so far (before the suffix).</summary>
    public int CleanFrames { get; internal set; }

    /// <summary>Positions cached in layer <paramref name="layer"/>.</summary>
    internal int Length(int layer) => lengths[layer];

    /// <summary>The layer's cached keys and values so far, [1, heads, length, head_dim] views (null before the text is encoded).</summary>
    internal (Tensor Keys, Tensor Values)? Layer(int layer) => Layer(layer, lengths[layer]);

    /// <summary>The first <paramref name="length"/> positions of the layer's buffers (past its own length: zeros, for padding a batch).</summary>
    internal (Tensor Keys, Tensor Values)? Layer(int layer, int length) =>
        buffers[layer] is { } b ? (b.Keys.narrow(2, 0, length), b.Values.narrow(2, 0, length)) : null;

    internal void Append(int layer, Tensor keys, Tensor values)
    {
        int n = (int)keys.shape[2], at = lengths[layer];
        if (at + n > Capacity) throw new InvalidOperationException($"The cache holds at most {Capacity} positions; appending {n} to {at} would overflow it.");
        if (buffers[layer] is not { } b)
        {
            b = (zeros([1, keys.shape[1], Capacity, keys.shape[3]], keys.dtype, keys.device).DetachFromDisposeScope(),
                 zeros([1, values.shape[1], Capacity, values.shape[3]], values.dtype, values.device).DetachFromDisposeScope());
            buffers[layer] = b;
        }
        using var noGrad = no_grad();
        using (var k = b.Keys.narrow(2, at, n)) k.copy_(keys);
        using (var v = b.Values.narrow(2, at, n)) v.copy_(values);
        lengths[layer] = at + n;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var entry in buffers)
        {
            entry?.Keys.Dispose();
            entry?.Values.Dispose();
        }
        Array.Clear(buffers);
    }
}
