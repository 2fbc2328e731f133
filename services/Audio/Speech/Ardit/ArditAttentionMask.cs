using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// The block-causal mask of ARDiT training over rows laid out as <c>[text (L) | clean frames (N) | noisy frames (N)]</c>,
/// each part padded to the batch's longest. With block(j) = j / B:
/// text attends to text; clean frame j attends to text and clean frames j' with block(j') &lt;= block(j);
/// noisy frame j attends to text, clean frames with block(j') &lt; block(j) and noisy frames with block(j') = block(j).
/// Padding is never attended to; a padding query sees only itself (so softmax stays finite; its output is unused).
/// Fill-in-the-middle (editing): a row with a suffix start s &lt; N keeps its clean frames from s on as a suffix every
/// frame before s sees (beside the text), the suffix frames seeing the text and each other; noisy frames from s on are
/// left out, as padding, so the last block before s may be short. This is the layout of cached editing, where the text and
/// then the suffix are encoded before the first block (<see cref="ArditModel.AppendSuffix"/>).
/// </summary>
public static class ArditAttentionMask
{
    /// <summary>Boolean [rows, 1, L + 2N, L + 2N] mask (true = attend) for the given valid lengths per row.</summary>
    /// <paramref name="suffixStarts"/>: per row, the first frame of its suffix (fill-in-the-middle), or null for none.
    public static Tensor Build(long[] textLengths, long[] frameLengths, long textWidth, long frameWidth, long blockSize, Device? device = null, long[]? suffixStarts = null)
    {
        ArgumentNullException.ThrowIfNull(textLengths);
        ArgumentNullException.ThrowIfNull(frameLengths);
        if (textLengths.Length != frameLengths.Length) throw new ArgumentException("One text length and one frame length per row are needed.");
        if (suffixStarts is not null && suffixStarts.Length != frameLengths.Length) throw new ArgumentException("One suffix start per row.", nameof(suffixStarts));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        using var scope = NewDisposeScope();
        var (kind, frame, valid) = Describe(textLengths, frameLengths, textWidth, frameWidth, device);
        var block = frame.div(blockSize, rounding_mode: RoundingMode.floor);
        Tensor Q(Tensor x) => x.unsqueeze(2);
        Tensor K(Tensor x) => x.unsqueeze(1);
        var qKind = Q(kind);
        var kKind = K(kind);
        // Without a suffix every frame is "before" it (the suffix starts past the longest row).
        var suffix = frame.ge(suffixStarts is null ? full([textLengths.Length, 1], frameWidth, dtype: ScalarType.Int64, device: device) : tensor(suffixStarts, device: device).unsqueeze(1));
        valid = valid.logical_and(kind.eq((long)ArditTokenKind.Noisy).logical_and(suffix).logical_not());
        var keyText = kKind.eq((long)ArditTokenKind.Text);
        var keyClean = kKind.eq((long)ArditTokenKind.Clean);
        var keyNoisy = kKind.eq((long)ArditTokenKind.Noisy);
        var keySuffix = keyClean.logical_and(K(suffix));
        var keyBefore = keyClean.logical_and(K(suffix).logical_not());
        var fromText = qKind.eq((long)ArditTokenKind.Text).logical_and(keyText);
        var fromSuffix = qKind.eq((long)ArditTokenKind.Clean).logical_and(Q(suffix)).logical_and(keyText.logical_or(keySuffix));
        var fromClean = qKind.eq((long)ArditTokenKind.Clean).logical_and(Q(suffix).logical_not())
            .logical_and(keyText.logical_or(keySuffix).logical_or(keyBefore.logical_and(K(block).le(Q(block)))));
        var fromNoisy = qKind.eq((long)ArditTokenKind.Noisy).logical_and(
            keyText.logical_or(keySuffix).logical_or(keyBefore.logical_and(K(block).lt(Q(block)))).logical_or(keyNoisy.logical_and(K(block).eq(Q(block)))));
        var allowed = fromText.logical_or(fromSuffix).logical_or(fromClean).logical_or(fromNoisy).logical_and(Q(valid)).logical_and(K(valid));
        long t = kind.shape[1];
        var self = eye(t, dtype: ScalarType.Bool, device: device).unsqueeze(0).logical_and(Q(valid.logical_not()));
        return allowed.logical_or(self).unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per position of every row: its kind, its frame index (-1 for text), whether it is real (not padding), and
    /// (as <see cref="Positions"/>) its RoPE position on the frame axis.
    /// </summary>
    internal static (Tensor Kind, Tensor Frame, Tensor Valid) Describe(long[] textLengths, long[] frameLengths, long textWidth, long frameWidth, Device? device)
    {
        int rows = textLengths.Length;
        long t = textWidth + 2 * frameWidth;
        var kind = new long[rows * t];
        var frame = new long[rows * t];
        var valid = new bool[rows * t];
        for (int r = 0; r < rows; r++)
            for (long i = 0; i < t; i++)
            {
                long at = r * t + i;
                if (i < textWidth) { kind[at] = (long)ArditTokenKind.Text; frame[at] = -1; valid[at] = i < textLengths[r]; continue; }
                long j = (i - textWidth) % frameWidth;
                kind[at] = i < textWidth + frameWidth ? (long)ArditTokenKind.Clean : (long)ArditTokenKind.Noisy;
                frame[at] = j;
                valid[at] = j < frameLengths[r];
            }
        return (tensor(kind, [rows, t], device: device), tensor(frame, [rows, t], device: device), tensor(valid, [rows, t], device: device));
    }

    /// <summary>
    /// RoPE positions [rows, L + 2N] on the frame axis: clean and noisy copies of frame j share position j, and text
    /// token i sits at the frame where it is spoken: <paramref name="textFrames"/> (per row, one per text token) when
    /// given, else <see cref="TextPosition"/>, where a uniform speaking rate would say it. Attention between a frame and
    /// a character then depends on how far the frame is from where the character is spoken, which is what a frame needs
    /// to find its characters (padding text: position 0).
    /// </summary>
    public static Tensor Positions(long[] textLengths, long[] frameLengths, long textWidth, long frameWidth, Device? device = null, double[][]? textFrames = null)
    {
        ArgumentNullException.ThrowIfNull(textLengths);
        ArgumentNullException.ThrowIfNull(frameLengths);
        if (textLengths.Length != frameLengths.Length) throw new ArgumentException("One text length and one frame count per row.", nameof(frameLengths));
        if (textFrames is not null && textFrames.Length != textLengths.Length) throw new ArgumentException("One row of text frames per text row.", nameof(textFrames));
        int rows = textLengths.Length;
        long t = textWidth + 2 * frameWidth;
        var p = new long[rows * t];
        for (int r = 0; r < rows; r++)
            for (long i = 0; i < t; i++)
                p[r * t + i] = i >= textWidth ? (i - textWidth) % frameWidth
                    : i >= textLengths[r] ? 0
                    : textFrames is null ? TextPosition(i, textLengths[r], frameLengths[r])
                    : Math.Clamp((long)Math.Floor(textFrames[r][i]), 0, Math.Max(frameLengths[r] - 1, 0));
        return tensor(p, [rows, t], device: device);
    }

    /// <summary>The frame at which text token <paramref name="index"/> of <paramref name="textLength"/> falls in an utterance of <paramref name="totalFrames"/> frames at a uniform rate.</summary>
    public static long TextPosition(long index, long textLength, long totalFrames) =>
        (long)Math.Floor(UniformTextFrame(index, textLength, totalFrames));

    /// <summary>The fractional frame (i + 1/2) N / L of text token i at a uniform rate.</summary>
    public static double UniformTextFrame(long index, long textLength, long totalFrames) =>
        (index + 0.5) * Math.Max(totalFrames, 1) / Math.Max(textLength, 1);
}
