using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Latents;

/// <summary>
/// The past input frames each causal convolution of a <see cref="MelVaeDecoder"/> needs, carried from one
/// decoded block to the next. One per stream; dispose it when the stream ends.
/// </summary>
public sealed class MelVaeDecoderState : IDisposable
{
    Tensor?[] kept;

    /// <summary>An empty state (the start of a sequence) for a decoder with <paramref name="slots"/> causal convs.</summary>
    public MelVaeDecoderState(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = new Tensor?[slots];
        kept = new Tensor?[slots];
    }

    /// <summary>The working slots the decoder reads and replaces during a step.</summary>
    internal Tensor?[] Slots { get; }

    /// <summary>Whether any block has been decoded through this state.</summary>
    public bool Started => kept.Any(t => t is not null);

    // Called at the end of a step, inside its dispose scope: the new tensors leave the scope, the old ones are freed.
    internal void Keep()
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
