using Media.Services.Image.TokenShuffle;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.TokenShuffle;

public class WindowOrderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Shuffle_then_unshuffle_restores_the_grid_exactly(int s)
    {
        using var scope = NewDisposeScope();
        var grid = randint(0, 1000, [3, 8, 8], dtype: ScalarType.Int64);
        var restored = WindowOrder.Unshuffle(WindowOrder.Shuffle(grid, s), s);
        Assert.True(restored.eq(grid).all().item<bool>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Windows_are_row_major_over_the_window_grid_and_row_major_inside(int s)
    {
        using var scope = NewDisposeScope();
        const int g = 8;
        var grid = arange(2 * g * g, dtype: ScalarType.Int64).view(2, g, g);
        var windows = WindowOrder.Shuffle(grid, s);
        int w = g / s;
        Assert.Equal(new long[] { 2, w * w, s * s }, windows.shape);
        var values = windows.data<long>().ToArray();
        for (int b = 0; b < 2; b++)
            for (int wy = 0; wy < w; wy++)
                for (int wx = 0; wx < w; wx++)
                    for (int ky = 0; ky < s; ky++)
                        for (int kx = 0; kx < s; kx++)
                        {
                            long expected = b * g * g + (wy * s + ky) * g + wx * s + kx;
                            long index = ((long)b * w * w + wy * w + wx) * s * s + ky * s + kx;
                            Assert.Equal(expected, values[index]);
                        }
    }

    [Fact]
    public void A_grid_not_divisible_by_the_window_is_refused_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => WindowOrder.Shuffle(zeros([1, 6, 6], ScalarType.Int64), 4));
        Assert.Contains("divisible by 4", e.Message, StringComparison.Ordinal);
    }
}
