using Media.Services.Audio.Speech.Ardit;

namespace Media.Services.Audio.Tests.Ardit;

public sealed class ArditAttentionMaskTests
{
    // The rule of MODELS.md written out per pair of positions, independently of the tensor construction.
    // With a suffix from frame s (fill-in-the-middle): its clean frames are seen by every frame before s and see the text
    // and each other; noisy frames from s on are padding.
    static bool Allowed(long textWidth, long frameWidth, long textLength, long frames, long block, long q, long k, long suffix = long.MaxValue)
    {
        (int Kind, long Frame, bool Valid) Describe(long i)
        {
            if (i < textWidth) return (0, -1, i < textLength);
            long j = (i - textWidth) % frameWidth;
            bool noisy = i >= textWidth + frameWidth;
            return (noisy ? 2 : 1, j, j < frames && !(noisy && j >= suffix));
        }
        var a = Describe(q);
        var b = Describe(k);
        if (!a.Valid) return q == k;
        if (!b.Valid) return false;
        bool keyInSuffix = b.Kind == 1 && b.Frame >= suffix;
        switch (a.Kind)
        {
            case 0: return b.Kind == 0;
            case 1 when a.Frame >= suffix: return b.Kind == 0 || keyInSuffix;
            case 1: return b.Kind == 0 || keyInSuffix || (b.Kind == 1 && b.Frame / block <= a.Frame / block);
            default:
                return b.Kind == 0 || keyInSuffix
                    || (b.Kind == 1 && b.Frame / block < a.Frame / block)
                    || (b.Kind == 2 && b.Frame / block == a.Frame / block);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(3)]
    public void Fill_in_the_middle_mask_lets_every_frame_before_the_suffix_see_it_pair_by_pair(int block)
    {
        long[] textLengths = [5, 3, 4];
        long[] frameLengths = [9, 6, 9];
        long[] suffixStarts = [6, 6, 2];   // row 1 has no suffix (it starts at its end); rows 0 and 2 cut a block at 6 and 2
        const long L = 5, N = 9;
        using var mask = ArditAttentionMask.Build(textLengths, frameLengths, L, N, block, suffixStarts: suffixStarts);
        var values = mask.data<bool>().ToArray();
        long t = L + 2 * N;
        for (int r = 0; r < 3; r++)
            for (long q = 0; q < t; q++)
                for (long k = 0; k < t; k++)
                    Assert.True(Allowed(L, N, textLengths[r], frameLengths[r], block, q, k, suffixStarts[r]) == values[r * t * t + q * t + k],
                        $"row {r}, query {q}, key {k}, block {block}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(3)]
    public void Block_causal_mask_matches_its_definition_pair_by_pair(int block)
    {
        long[] textLengths = [5, 3];
        long[] frameLengths = [9, 6];
        const long L = 5, N = 9;
        using var mask = ArditAttentionMask.Build(textLengths, frameLengths, L, N, block);
        Assert.Equal(new long[] { 2, 1, L + 2 * N, L + 2 * N }, mask.shape);
        var values = mask.data<bool>().ToArray();
        long t = L + 2 * N;
        for (int r = 0; r < 2; r++)
            for (long q = 0; q < t; q++)
                for (long k = 0; k < t; k++)
                    Assert.True(Allowed(L, N, textLengths[r], frameLengths[r], block, q, k) == values[r * t * t + q * t + k],
                        $"row {r}, query {q}, key {k}, block {block}");
    }

    [Fact]
    public void Clean_and_noisy_copies_of_frame_j_sit_at_j_and_text_where_a_uniform_rate_would_speak_it()
    {
        // Row 0: 2 of 3 text slots used, 4 frames: text at floor(0.5 * 4 / 2) = 1 and floor(1.5 * 4 / 2) = 3, padding at 0.
        // Row 1: 3 text tokens, 2 frames: floor(0.5 * 2 / 3) = 0, floor(1.5 * 2 / 3) = 1, floor(2.5 * 2 / 3) = 1.
        using var positions = ArditAttentionMask.Positions([2, 3], [4, 2], 3, 4);
        Assert.Equal(new long[] { 1, 3, 0, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 1, 0, 1, 2, 3, 0, 1, 2, 3 }, positions.data<long>().ToArray());
    }

    [Fact]
    public void Aligned_text_sits_at_the_floor_of_its_spoken_frame_inside_the_utterance()
    {
        // Row 0: two tokens spoken at frames 0.4 and 2.9 of 4; row 1: three tokens, the last past the end (clamped to frame 1 of 2).
        using var positions = ArditAttentionMask.Positions([2, 3], [4, 2], 3, 4, textFrames: [[0.4, 2.9], [0.0, 1.2, 7.5]]);
        Assert.Equal(new long[] { 0, 2, 0, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 1, 0, 1, 2, 3, 0, 1, 2, 3 }, positions.data<long>().ToArray());
    }
}
