using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>The padding arithmetic of MODELS.md (EnCodec 24 kHz), on worked examples and against brute force.</summary>
public sealed class CausalPaddingTests
{
    [Theory]
    [InlineData(7, 1, 1, 7, 6)]   // first and last convolutions
    [InlineData(3, 1, 1, 3, 2)]   // residual block, dilation 1
    [InlineData(3, 2, 1, 5, 4)]   // residual block, dilation 2
    [InlineData(1, 1, 1, 1, 0)]   // 1x1 shortcut
    [InlineData(4, 1, 2, 4, 2)]   // downsampling by 2 (k = 2s)
    [InlineData(16, 1, 8, 16, 8)] // downsampling by 8
    public void Effective_kernel_and_left_padding_follow_the_formulas(int k, int d, int s, int kEff, int padTotal)
    {
        Assert.Equal(kEff, CausalPadding.EffectiveKernelSize(k, d));
        Assert.Equal(padTotal, CausalPadding.PaddingTotal(k, s, d));
    }

    [Theory]
    [InlineData(41, 16, 8, 8, 7)]     // 8 + 41 + 7 = 56 samples: (56 - 16) / 8 + 1 = 6 = ceil(41 / 8) windows
    [InlineData(40, 16, 8, 8, 0)]     // a multiple of the stride needs nothing
    [InlineData(24001, 4, 2, 2, 1)]   // odd length at stride 2
    [InlineData(24000, 7, 1, 6, 0)]   // stride 1 never needs extra
    [InlineData(3, 10, 5, 5, 2)]      // shorter than the kernel: one window
    public void Extra_right_padding_on_worked_examples(long length, int kEff, int s, int padTotal, long extra)
    {
        Assert.Equal(extra, CausalPadding.ExtraPadding(length, kEff, s, padTotal));
    }

    [Fact]
    public void Extra_padding_is_the_least_that_makes_the_last_window_full_and_gives_ceil_length_over_stride_windows()
    {
        foreach (var (k, d, s) in new[] { (7, 1, 1), (3, 2, 1), (4, 1, 2), (10, 1, 5), (16, 1, 8), (8, 1, 4) })
        {
            int kEff = (k - 1) * d + 1, padTotal = kEff - s;
            for (long length = 1; length <= 200; length++)
            {
                long naive = 0;
                while ((padTotal + length + naive - kEff) % s != 0) naive++;
                long extra = CausalPadding.ExtraPadding(length, kEff, s, padTotal);
                Assert.Equal(naive, extra);
                long windows = (padTotal + length + extra - kEff) / s + 1;
                Assert.Equal((length + s - 1) / s, windows);
            }
        }
    }

    [Theory]
    [InlineData(16, 8, 8)]
    [InlineData(10, 5, 5)]
    [InlineData(4, 2, 2)]
    public void Transposed_convolutions_trim_k_minus_s(int k, int s, int trim)
    {
        Assert.Equal(trim, CausalPadding.TransposedTrim(k, s));
    }

    [Fact]
    public void Reflect_padding_mirrors_the_first_and_last_samples_without_repeating_them()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(1, 1, 8);
        var padded = CausalPadding.Pad1d(x, 3, 2, EncodecPadMode.Reflect);
        Assert.Equal(new float[] { 4, 3, 2, 1, 2, 3, 4, 5, 6, 7, 8, 7, 6 }, padded.data<float>().ToArray());
    }

    [Fact]
    public void Reflect_padding_of_an_input_shorter_than_the_pad_zero_extends_first()
    {
        using var scope = NewDisposeScope();
        // [1,2,3] + four zeros, reflected by 6 on the left ([0,0,0,0,3,2]), then the zeros trimmed again.
        var x = tensor(new float[] { 1, 2, 3 }).reshape(1, 1, 3);
        var padded = CausalPadding.Pad1d(x, 6, 0, EncodecPadMode.Reflect);
        Assert.Equal(new float[] { 0, 0, 0, 0, 3, 2, 1, 2, 3 }, padded.data<float>().ToArray());
    }

    [Fact]
    public void Constant_padding_fills_with_zeros()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }).reshape(1, 1, 3);
        var padded = CausalPadding.Pad1d(x, 2, 1, EncodecPadMode.Constant);
        Assert.Equal(new float[] { 0, 0, 1, 2, 3, 0 }, padded.data<float>().ToArray());
    }
}
