using Media.Modeling.Training;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

public sealed class ChunkedEncodingTests
{
    [Fact]
    public void Chunks_land_in_their_rows_of_each_output_including_a_short_last_chunk()
    {
        var calls = new List<(int Start, int N)>();

        var outputs = ChunkedEncoding.Encode(10, 4, (start, n) =>
        {
            calls.Add((start, n));
            var rows = arange(start, start + n, ScalarType.Int64);
            return [rows.view(n, 1).expand(n, 3) * 2, rows.to(ScalarType.Float32).view(n, 1, 1) + 0.5f];
        });

        Assert.Equal([(0, 4), (4, 4), (8, 2)], calls);
        Assert.Equal([10L, 3], outputs[0].shape);
        Assert.Equal(ScalarType.Int64, outputs[0].dtype);
        Assert.Equal([10L, 1, 1], outputs[1].shape);
        Assert.Equal(ScalarType.Float32, outputs[1].dtype);
        for (int row = 0; row < 10; row++)
        {
            Assert.Equal([2L * row, 2L * row, 2L * row], outputs[0][row].data<long>().ToArray());
            Assert.Equal(row + 0.5f, outputs[1][row, 0, 0].item<float>());
        }
    }

    [Fact]
    public void A_chunk_of_another_shape_is_refused_naming_its_first_row()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ChunkedEncoding.Encode(6, 3, (start, n) => [zeros(n, start == 0 ? 2 : 5)]));

        Assert.Contains("Chunk at row 3", error.Message, StringComparison.Ordinal);
        var dtype = Assert.Throws<InvalidOperationException>(() => ChunkedEncoding.Encode(6, 3, (start, n) => [zeros([n, 2], start == 0 ? ScalarType.Int64 : ScalarType.Float32)]));
        Assert.Contains("Float32", dtype.Message, StringComparison.Ordinal);
    }
}
