using Media.Tokenizers.Audio.Encodec;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>Streaming encode/decode in chunks against offline processing of the whole signal.</summary>
public sealed class EncodecStreamingTests
{
    const long Samples = 40 * 320;

    [Theory]
    [InlineData(320)]
    [InlineData(640)]
    [InlineData(960)]
    [InlineData(2240)]
    [InlineData(4160)]
    [InlineData(Samples)]
    public void Streaming_encoding_gives_the_offline_codes_for_chunks_that_are_multiples_of_the_hop(long chunk)
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(2, Samples);

        var offline = model.Encode(audio);
        var streamed = StreamEncode(model, audio, chunk);

        Assert.Equal(offline.shape, streamed.shape);
        Assert.True(TinyEncodec.Same(offline, streamed), $"codes differ at chunk {chunk}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(13)]
    public void Streaming_decoding_gives_the_offline_audio_for_any_number_of_frames_per_chunk(long framesPerChunk)
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var codes = model.Encode(TinyEncodec.Audio(2, Samples));

        var offline = model.Decode(codes);
        var streamed = StreamDecode(model, codes, framesPerChunk);

        Assert.Equal(offline.shape, streamed.shape);
        double maxDiff = (offline - streamed).abs().max().item<float>();
        Assert.True(maxDiff < 1e-5, $"max abs diff {maxDiff} at {framesPerChunk} frame(s) per chunk");
    }

    [Theory]
    [InlineData(1000, 7001)]
    [InlineData(320, 1000)]
    [InlineData(960, 960)]
    [InlineData(320, 321)]
    public void Chunks_of_any_size_and_a_length_off_the_hop_also_match_offline(long chunk, long samples)
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(1, samples);
        var offline = model.Encode(audio);
        Assert.True(TinyEncodec.Same(offline, StreamEncode(model, audio, chunk)));
    }

    [Fact]
    public void A_stream_shorter_than_the_start_up_latency_still_matches_offline_after_flush()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(1, 2 * 320);
        var codes = model.Encode(audio);
        Assert.True(TinyEncodec.Same(codes, StreamEncode(model, audio, 320)));
        double maxDiff = (model.Decode(codes) - StreamDecode(model, codes, 1)).abs().max().item<float>();
        Assert.True(maxDiff < 1e-5, $"max abs diff {maxDiff}");
    }

    [Fact]
    public void Once_started_every_hop_of_audio_yields_one_frame()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(1, Samples);
        using var stream = model.OpenStreamingEncoder();
        var frames = new List<long>();
        for (long start = 0; start < Samples; start += 320) frames.Add(stream.Push(audio.narrow(2, start, 320)).shape[2]);
        // Reflection at the start holds back the first frames (the last 7-wide convolution needs 7 frames).
        int firstOutput = frames.FindIndex(f => f > 0);
        Assert.InRange(firstOutput, 0, 8);
        Assert.All(frames.Skip(firstOutput + 1), f => Assert.Equal(1, f));
        Assert.Equal(Samples / 320, frames.Sum() + stream.Flush().shape[2]);
    }

    [Fact]
    public void A_flushed_stream_refuses_more_input_and_batch_changes_are_rejected()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var stream = model.OpenStreamingEncoder();
        stream.Push(TinyEncodec.Audio(1, 320));
        Assert.Throws<ArgumentException>(() => stream.Push(TinyEncodec.Audio(2, 320)));
        stream.Flush();
        Assert.Throws<InvalidOperationException>(() => stream.Push(TinyEncodec.Audio(1, 320)));
    }

    [Theory]
    [InlineData("reflect", 64)]
    [InlineData("constant", 96)]
    public void Other_configurations_stream_exactly_too(string padMode, long chunk)
    {
        // 16 kHz, hop 32, two residual blocks per level (dilations 1 and 2), identity shortcuts, one LSTM layer.
        var config = new EncodecConfig
        {
            SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, UpsamplingRatios = [4, 4, 2], NumResidualLayers = 2,
            UseConvShortcut = false, NumLstmLayers = 1, PadMode = padMode, CodebookSize = 16, TargetBandwidths = [4],
        };
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new EncodecModel(config);
        var audio = TinyEncodec.Audio(2, 50 * 32);

        var codes = model.Encode(audio);
        Assert.Equal(new long[] { 2, 2, 50 }, codes.shape);
        Assert.True(TinyEncodec.Same(codes, StreamEncode(model, audio, chunk)));
        var decoded = model.Decode(codes);
        Assert.Equal(audio.shape, decoded.shape);
        double maxDiff = (decoded - StreamDecode(model, codes, 3)).abs().max().item<float>();
        Assert.True(maxDiff < 1e-5, $"max abs diff {maxDiff}");
    }

    [Fact]
    public void Carried_state_stays_bounded_however_long_the_stream_runs()
    {
        using var model = TinyEncodec.Create();
        using var audio = TinyEncodec.Audio(1, 320);
        using var encoder = model.OpenStreamingEncoder();
        using var decoder = model.OpenStreamingDecoder();
        void Push(int times)
        {
            for (int i = 0; i < times; i++)
            {
                using var scope = NewDisposeScope();
                decoder.Push(encoder.Push(audio));
            }
        }
        Push(20);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Push(50);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    static Tensor StreamEncode(EncodecModel model, Tensor audio, long chunk)
    {
        using var stream = model.OpenStreamingEncoder();
        var parts = new List<Tensor>();
        long length = audio.shape[2];
        for (long start = 0; start < length; start += chunk)
            parts.Add(stream.Push(audio.narrow(2, start, Math.Min(chunk, length - start))));
        parts.Add(stream.Flush());
        return cat(parts, 2);
    }

    static Tensor StreamDecode(EncodecModel model, Tensor codes, long framesPerChunk)
    {
        using var stream = model.OpenStreamingDecoder();
        var parts = new List<Tensor>();
        long frames = codes.shape[2];
        for (long start = 0; start < frames; start += framesPerChunk)
            parts.Add(stream.Push(codes.narrow(2, start, Math.Min(framesPerChunk, frames - start))));
        parts.Add(stream.Flush());
        return cat(parts, 2);
    }
}
