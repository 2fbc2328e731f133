using Media.Audio.IO;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>Offline encode and decode on the tiny configuration (same layout and hop as 24 kHz).</summary>
public sealed class EncodecModelTests
{
    [Theory]
    [InlineData(320)]
    [InlineData(3200)]
    [InlineData(7680)]
    public void Decoded_length_equals_input_length_for_multiples_of_the_hop(long samples)
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(2, samples);

        var codes = model.Encode(audio);
        var decoded = model.Decode(codes);

        Assert.Equal(new long[] { 2, 4, samples / 320 }, codes.shape);
        Assert.Equal(ScalarType.Int64, codes.dtype);
        Assert.Equal(new long[] { 2, 1, samples }, decoded.shape);
        Assert.True(decoded.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(319, 1)]
    [InlineData(321, 2)]
    [InlineData(4001, 13)]
    public void Odd_lengths_give_ceil_of_length_over_hop_frames(long samples, long frames)
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var codes = model.Encode(TinyEncodec.Audio(1, samples));
        Assert.Equal(frames, codes.shape[2]);
        Assert.Equal(frames * 320, model.Decode(codes).shape[2]);
    }

    [Fact]
    public void The_continuous_latents_are_what_the_quantizer_encodes_and_decode_without_it()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(2, 1600);
        var latents = model.EncodeLatents(audio);
        Assert.Equal(new long[] { 2, TinyEncodec.Config.HiddenSize, 5 }, latents.shape);
        Assert.True(TinyEncodec.Same(model.Quantizer.Encode(latents, TinyEncodec.Config.NumQuantizers), model.Encode(audio)));
        Assert.Equal(new long[] { 2, 1, 1600 }, model.DecodeLatents(latents).shape);
    }

    [Fact]
    public void The_unquantized_round_trip_is_the_autoencoder_alone_at_the_input_length()
    {
        using var scope = NewDisposeScope();
        using var codec = new NeuralAudioCodec(TinyEncodec.Create());
        var samples = TinyEncodec.Audio(1, 1000);
        var input = AudioBuffer.FromMono(samples.reshape(-1).data<float>().ToArray(), TinyEncodec.Config.SamplingRate);

        var output = codec.ReconstructUnquantized(input);

        Assert.Equal(1000, output.Length);
        var expected = codec.Model.DecodeLatents(codec.Model.EncodeLatents(samples)).reshape(-1).narrow(0, 0, 1000);
        Assert.True(expected.allclose(tensor(output.ToMonoSamples()), rtol: 0, atol: 1e-6));
        // Not the codes' round trip: the quantizer sits between those.
        Assert.False(expected.allclose(tensor(codec.Decode(codec.Encode(input)).ToMonoSamples()), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Bandwidth_chooses_how_many_codebooks_and_lower_bandwidths_are_a_prefix()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(1, 1600);
        var all = model.Encode(audio);
        var low = model.Encode(audio, bandwidthKbps: 0.6);
        Assert.Equal(2, low.shape[1]);
        Assert.True(TinyEncodec.Same(all.narrow(1, 0, 2), low));
    }

    [Fact]
    public void Batched_encoding_equals_encoding_each_item_alone()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var audio = TinyEncodec.Audio(3, 1280) * tensor(new float[] { 1f, 0.5f, -0.8f }).reshape(3, 1, 1);
        var batched = model.Encode(audio);
        for (int b = 0; b < 3; b++)
            Assert.True(TinyEncodec.Same(batched[b], model.Encode(audio.narrow(0, b, 1))[0]));
    }

    [Fact]
    public void Malformed_audio_and_codes_are_rejected_with_clear_messages()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        Assert.Contains("[batch, 1 channel(s), samples > 0]", Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 320))).Message, StringComparison.Ordinal);
        Assert.Contains("[batch, 1 channel(s), samples > 0]", Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 2, 320))).Message, StringComparison.Ordinal);
        Assert.Contains("floating point", Assert.Throws<ArgumentException>(() => model.Encode(zeros([1, 1, 320], ScalarType.Int16))).Message, StringComparison.Ordinal);
        Assert.Contains("[0, 16)", Assert.Throws<ArgumentException>(() => model.Decode(full([1, 2, 3], 16L))).Message, StringComparison.Ordinal);
        Assert.Contains("1..4 codebooks", Assert.Throws<ArgumentException>(() => model.Decode(zeros([1, 5, 3], ScalarType.Int64))).Message, StringComparison.Ordinal);
        Assert.Contains("integers", Assert.Throws<ArgumentException>(() => model.Decode(zeros(1, 2, 3))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int32_codes_decode_like_int64_codes()
    {
        using var scope = NewDisposeScope();
        using var model = TinyEncodec.Create();
        var codes = model.Encode(TinyEncodec.Audio(1, 960));
        Assert.True(TinyEncodec.Same(model.Decode(codes), model.Decode(codes.to_type(ScalarType.Int32))));
    }
}
