using static TorchSharp.torch;

namespace Media.Modeling.Sequences;

/// <summary>
/// The codebook delay pattern of MusicGen and SongGen (Copet et al. 2023): codebook k of a residual-VQ code matrix is
/// shifted right by k steps, so one decoding step predicts codebook 0 of frame t together with codebook 1 of frame t-1,
/// ..., and every codebook still sees the coarser codebooks of its own frame. The K x T matrix becomes K x (T + K - 1):
/// codebook k has k <c>bos</c> ids before its codes and K - 1 - k <c>pad</c> ids after them. <see cref="Undo"/> reads
/// the codes back.
/// </summary>
public static class DelayPattern
{
    /// <summary>Steps of the delayed sequence of <paramref name="frames"/> frames and <paramref name="codebooks"/> codebooks.</summary>
    public static int Steps(int frames, int codebooks) => frames + codebooks - 1;

    /// <summary>Delays <paramref name="codes"/> (<c>[codebook][frame]</c>, equally long rows).</summary>
    public static int[][] Build(IReadOnlyList<IReadOnlyList<int>> codes, int bos, int pad)
    {
        ArgumentNullException.ThrowIfNull(codes);
        int k = codes.Count;
        if (k == 0) throw new ArgumentException("Give at least one codebook.", nameof(codes));
        int frames = codes[0].Count;
        if (codes.Any(r => r.Count != frames)) throw new ArgumentException("Every codebook row must have the same number of frames.", nameof(codes));
        var delayed = new int[k][];
        for (int c = 0; c < k; c++)
        {
            var row = delayed[c] = new int[Steps(frames, k)];
            for (int s = 0; s < row.Length; s++) row[s] = s < c ? bos : s < c + frames ? codes[c][s - c] : pad;
        }
        return delayed;
    }

    /// <summary>The code matrix of a delayed sequence (<c>[codebook][step]</c>): codebook k read from step k on.</summary>
    public static int[][] Undo(IReadOnlyList<IReadOnlyList<int>> delayed)
    {
        ArgumentNullException.ThrowIfNull(delayed);
        int k = delayed.Count;
        if (k == 0) throw new ArgumentException("Give at least one codebook.", nameof(delayed));
        int steps = delayed[0].Count, frames = steps - k + 1;
        if (frames < 0 || delayed.Any(r => r.Count != steps))
            throw new ArgumentException($"A delayed sequence of {k} codebooks has equally long rows of at least {k - 1} steps.", nameof(delayed));
        return Enumerable.Range(0, k).Select(c => Enumerable.Range(c, frames).Select(s => delayed[c][s]).ToArray()).ToArray();
    }

    /// <summary>Whether step <paramref name="step"/> of codebook <paramref name="codebook"/> holds a code (not bos or pad) for <paramref name="frames"/> frames.</summary>
    public static bool IsCode(int codebook, int step, int frames) => step >= codebook && step < codebook + frames;

    /// <summary>The delay of a batch of code tensors <c>[B, K, T]</c> (int64) to <c>[B, K, T + K - 1]</c>, as <see cref="Build"/>.</summary>
    public static Tensor Build(Tensor codes, long bos, long pad)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 3) throw new ArgumentException($"Expected codes [B, K, T]; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        long batch = codes.shape[0], k = codes.shape[1], frames = codes.shape[2];
        using var scope = NewDisposeScope();
        var delayed = full([batch, k, frames + k - 1], pad, dtype: codes.dtype, device: codes.device);
        for (long c = 0; c < k; c++)
        {
            if (c > 0) delayed[.., (int)c, ..(int)c].fill_(bos);
            delayed[.., (int)c, (int)c..(int)(c + frames)] = codes[.., (int)c, ..];
        }
        return delayed.MoveToOuterDisposeScope();
    }

    /// <summary>The codes <c>[B, K, T]</c> of a delayed batch <c>[B, K, T + K - 1]</c>, as <see cref="Undo"/>.</summary>
    public static Tensor Undo(Tensor delayed)
    {
        ArgumentNullException.ThrowIfNull(delayed);
        if (delayed.dim() != 3 || delayed.shape[2] < delayed.shape[1] - 1)
            throw new ArgumentException($"Expected a delayed batch [B, K, T + K - 1]; got [{string.Join(", ", delayed.shape)}].", nameof(delayed));
        long k = delayed.shape[1], frames = delayed.shape[2] - k + 1;
        using var scope = NewDisposeScope();
        var rows = Enumerable.Range(0, (int)k).Select(c => delayed[.., c, c..(int)(c + frames)]).ToArray();
        return stack(rows, 1).MoveToOuterDisposeScope();
    }
}
