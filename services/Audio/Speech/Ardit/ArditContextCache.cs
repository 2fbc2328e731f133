using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// Keys and values of the clean context of one utterance being generated — its text, then each clean block as it
/// is appended — per layer, [1, heads, positions, head_dim]. Noisy blocks read it but never write to it.
/// </summary>
public sealed class ArditContextCache : IDisposable
{
    readonly (Tensor Keys, Tensor Values)?[] layers;

    internal ArditContextCache(int layerCount, int textLength, int totalFrames)
    {
        layers = new (Tensor, Tensor)?[layerCount];
        TextLength = textLength;
        TotalFrames = totalFrames;
        SuffixStart = totalFrames;
    }

    /// <summary>Text tokens at the start of the context.</summary>
    public int TextLength { get; }

    /// <summary>The utterance's total number of latent frames (the duration input).</summary>
    public int TotalFrames { get; }

    /// <summary>First frame of the fill-in-the-middle suffix in the cache (<see cref="ArditModel.AppendSuffix"/>); <see cref="TotalFrames"/> when there is none.</summary>
    public int SuffixStart { get; internal set; }

    /// <summary>Clean frames appended so far (before the suffix).</summary>
    public int CleanFrames { get; internal set; }

    internal (Tensor Keys, Tensor Values)? Layer(int layer) => layers[layer];

    internal void Append(int layer, Tensor keys, Tensor values)
    {
        var old = layers[layer];
        layers[layer] = old is { } o
            ? (cat([o.Keys, keys], 2).DetachFromDisposeScope(), cat([o.Values, values], 2).DetachFromDisposeScope())
            : (keys.clone().DetachFromDisposeScope(), values.clone().DetachFromDisposeScope());
        if (old is { } previous)
        {
            previous.Keys.Dispose();
            previous.Values.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var entry in layers)
        {
            entry?.Keys.Dispose();
            entry?.Values.Dispose();
        }
        Array.Clear(layers);
    }
}
