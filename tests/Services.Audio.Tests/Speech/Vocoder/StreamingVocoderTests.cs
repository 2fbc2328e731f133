using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Vocoder;

public class StreamingVocoderTests
{
    static IstftVocoder Tiny()
    {
        random.manual_seed(11);
        var vocoder = new IstftVocoder(new IstftVocoderConfig { Channels = 16, Hidden = 32, Blocks = 2, Kernel = 5, EmbedKernel = 3 });
        vocoder.eval();
        return vocoder;
    }

    [Theory]
    [InlineData(new[] { 5, 0, 1, 9, 3, 12, 0, 7 })]
    [InlineData(new[] { 37 })]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    public void Overlap_added_chunks_concatenate_to_the_offline_istft(int[] chunkSizes)
    {
        using var scope = NewDisposeScope();
        using var vocoder = Tiny();
        var logMel = randn(80, 37) * 0.5 - 3;
        Tensor offline;
        using (no_grad()) offline = vocoder.Synthesize(logMel);

        using var stream = new StreamingVocoder(vocoder);
        var pieces = new List<Tensor>();
        int start = 0;
        using (no_grad())
        {
            foreach (int size in chunkSizes)
            {
                pieces.Add(stream.Push(logMel.narrow(1, start, size)));
                start += size;
            }
            pieces.Add(stream.Finish());
        }
        var streamed = cat(pieces);
        Assert.Equal(36 * 200, streamed.shape[0]);
        Assert.Equal(offline.shape, streamed.shape);
        double scale = Math.Max(1, offline.abs().max().item<float>());
        Assert.True((offline - streamed).abs().max().item<float>() < 1e-5 * scale);
    }

    [Fact]
    public void Audio_leaves_the_stream_once_the_look_ahead_has_arrived()
    {
        using var scope = NewDisposeScope();
        using var vocoder = Tiny();
        int lookAhead = vocoder.Config.ReceptiveField;
        using var stream = new StreamingVocoder(vocoder);
        using (no_grad())
        {
            Assert.Equal(0, stream.Push(randn(80, lookAhead)).shape[0]);
            // One more frame makes frame 0 final; output sample s needs every frame overlapping padded position s + 400.
            var first = stream.Push(randn(80, 4));
            Assert.Equal(4 * 200 - 400, first.shape[0]);
        }
        Assert.Throws<ArgumentException>(() => stream.Push(randn(40, 2)));
    }

    [Fact]
    public void A_stream_used_outside_no_grad_keeps_no_autograd_graph_between_pushes()
    {
        // The carried inputs of each layer live from one push to the next: with a graph attached, every chunk's history
        // would chain to the previous one's for the whole utterance.
        using var scope = NewDisposeScope();
        using var vocoder = Tiny();
        using var stream = new StreamingVocoder(vocoder);
        for (int i = 0; i < 4; i++) Assert.False(stream.Push(randn(80, 6)).requires_grad);
        Assert.False(stream.Finish().requires_grad);
    }
}
