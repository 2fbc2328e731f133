using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>Helpers for carried tensors and the "no samples" null.</summary>
internal static class StreamTensors
{
    /// <summary>Replaces <paramref name="slot"/> with its own handle on <paramref name="value"/>, outside every dispose scope.</summary>
    public static void Hold(ref Tensor? slot, Tensor? value)
    {
        var old = slot;
        slot = value?.alias().DetachFromDisposeScope();
        old?.Dispose();
    }

    public static long Length(Tensor? t) => t is null ? 0 : t.shape[^1];

    /// <summary>Joins along time; nulls and empty tensors stand for no samples.</summary>
    public static Tensor? Concat(Tensor? a, Tensor? b)
    {
        if (Length(a) == 0) return Length(b) == 0 ? null : b;
        if (Length(b) == 0) return a;
        return cat([a!, b!], -1);
    }

    /// <summary>Samples [start, end) along time, or null when that range is empty.</summary>
    public static Tensor? Slice(Tensor t, long start, long end) => end <= start ? null : t.narrow(-1, start, end - start);
}
