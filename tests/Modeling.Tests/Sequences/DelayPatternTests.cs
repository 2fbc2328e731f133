using Media.Modeling.Sequences;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Sequences;

[Collection(SingleThreadedTorch.Name)]
public sealed class DelayPatternTests
{
    const int Bos = 1025, Pad = 1024;

    static int[][] Codes(int codebooks, int frames, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, codebooks).Select(_ => Enumerable.Range(0, frames).Select(_ => random.Next(1024)).ToArray())];
    }

    [Fact]
    public void Codebook_k_is_shifted_by_k_with_bos_before_and_pad_after()
    {
        int[][] codes = [[10, 11, 12], [20, 21, 22], [30, 31, 32]];
        var delayed = DelayPattern.Build(codes, Bos, Pad);
        Assert.Equal([10, 11, 12, Pad, Pad], delayed[0]);
        Assert.Equal([Bos, 20, 21, 22, Pad], delayed[1]);
        Assert.Equal([Bos, Bos, 30, 31, 32], delayed[2]);
        Assert.Equal(5, DelayPattern.Steps(3, 3));
        Assert.True(DelayPattern.IsCode(2, 2, 3));
        Assert.False(DelayPattern.IsCode(2, 1, 3));
        Assert.False(DelayPattern.IsCode(0, 3, 3));
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(4, 1)]
    [InlineData(8, 50)]
    public void Undo_recovers_the_codes(int codebooks, int frames)
    {
        var codes = Codes(codebooks, frames, codebooks * 100 + frames);
        Assert.Equal(codes, DelayPattern.Undo(DelayPattern.Build(codes, Bos, Pad)));
    }

    [Fact]
    public void The_tensor_form_equals_the_array_form_and_round_trips()
    {
        var a = Codes(6, 9, 1);
        var b = Codes(6, 9, 2);
        using var scope = NewDisposeScope();
        var batch = tensor(a.Concat(b).SelectMany(r => r.Select(v => (long)v)).ToArray(), [2, 6, 9]);
        var delayed = DelayPattern.Build(batch, Bos, Pad);
        Assert.Equal(new long[] { 2, 6, 14 }, delayed.shape);
        var expected = DelayPattern.Build(a, Bos, Pad).Concat(DelayPattern.Build(b, Bos, Pad)).SelectMany(r => r.Select(v => (long)v)).ToArray();
        Assert.Equal(expected, delayed.data<long>().ToArray());
        Assert.Equal(batch.data<long>().ToArray(), DelayPattern.Undo(delayed).contiguous().data<long>().ToArray());
    }

    [Fact]
    public void Ragged_or_empty_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => DelayPattern.Build([[1, 2], [3]], Bos, Pad));
        Assert.Throws<ArgumentException>(() => DelayPattern.Build(Array.Empty<int[]>(), Bos, Pad));
        Assert.Throws<ArgumentException>(() => DelayPattern.Undo([[1, 2], [3, 4], [5, 6], [7, 8]]));
    }
}
