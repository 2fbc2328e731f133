using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// The input frames each convolution of a streamed network carries from one chunk to the next (the causal convs of a
/// mel VAE decoder, the centred convs of an iSTFT vocoder or decoder), so chunked output
/// equals offline output. One per stream; dispose it when the stream ends.
/// </summary>
public sealed class ConvolutionStreamState : IDisposable
{
    Tensor?[] kept;

    /// <summary>An empty state (the start of a sequence) for a network with <paramref name="slots"/> streamed convs.</summary>
    public ConvolutionStreamState(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = new Tensor?[slots];
        kept = new Tensor?[slots];
    }

    /// <summary>The working slots the network reads and replaces during a step.</summary>
    public Tensor?[] Slots { get; }

    /// <summary>Whether any chunk has gone through this state.</summary>
    public bool Started => kept.Any(t => t is not null);

    /// <summary>
    /// Appends the chunk <paramref name="x"/> <c>[B, C, n]</c> to a centred convolution's <paramref name="carried"/> input
    /// (zeros before the sequence's first frame and, at its <paramref name="end"/>, after its last: the offline conv's
    /// padding) and returns the frames over which the convolution, run without padding, gives every output its full
    /// +-<paramref name="halfWidth"/> context; null while there are none. <paramref name="carried"/> keeps the input the
    /// next outputs still need.
    /// </summary>
    public static Tensor? Centred(Tensor x, ref Tensor? carried, long halfWidth, bool end)
    {
        ArgumentNullException.ThrowIfNull(x);
        var like = carried ?? x;
        Tensor Pad() => zeros([x.shape[0], x.shape[1], halfWidth], dtype: like.dtype, device: like.device);
        var buffer = cat(end ? [carried ?? Pad(), x, Pad()] : [carried ?? Pad(), x], 2);
        long outputs = buffer.shape[2] - 2 * halfWidth;
        carried = outputs > 0 ? buffer.narrow(2, outputs, 2 * halfWidth) : buffer;
        return outputs > 0 ? buffer : null;
    }

    /// <summary>Ends a step; called inside the step's dispose scope: the new tensors leave the scope, the old ones are freed.</summary>
    public void Keep()
    {
        for (int i = 0; i < Slots.Length; i++)
        {
            if (ReferenceEquals(Slots[i], kept[i])) continue;
            Slots[i]?.DetachFromDisposeScope();
            kept[i]?.Dispose();
            kept[i] = Slots[i];
        }
    }

    /// <summary>Frees the carried tensors.</summary>
    public void Dispose()
    {
        foreach (var t in kept) t?.Dispose();
        kept = new Tensor?[kept.Length];
        Array.Clear(Slots);
    }
}
