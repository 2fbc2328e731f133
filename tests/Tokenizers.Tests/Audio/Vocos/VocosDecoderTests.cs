using Media.Audio.IO;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Vocos;
using Media.Tokenizers.Tests.Audio.Encodec;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Vocos;

// Seeds torch's global generator for the tiny models' initialisation.
[Collection(SingleThreadedTorch.Name)]
public sealed class VocosDecoderTests
{
    /// <summary>A small decoder for <see cref="TinyEncodec"/>: 8 inputs at hop 320 and 24 kHz, two blocks.</summary>
    static readonly VocosConfig Tiny = new()
    {
        InputChannels = 8, Dim = 16, IntermediateDim = 32, NumLayers = 2, ConditionCodebooks = [1, 2, 3, 4], NFft = 1280, HopLength = 320, SampleRate = 24_000,
    };

    static VocosDecoder CreateTiny(int seed = 3)
    {
        manual_seed(seed);
        var decoder = new VocosDecoder(Tiny);
        // Random heads: training would move them off their small initial values, and the tests need a spectrum that varies.
        using (no_grad())
            foreach (var p in decoder.parameters()) p.add_(0.2 * randn_like(p));
        decoder.eval();
        return decoder;
    }

    [Fact]
    public void The_inverse_transform_gives_a_hop_per_frame_and_inverts_a_same_padded_stft()
    {
        using var scope = NewDisposeScope();
        using var decoder = CreateTiny();
        const int frames = 9, hop = 320, fft = 1280;
        var signal = randn(1, frames * hop, generator: new Generator(5));
        // Vocos' "same" framing: (n_fft - hop) / 2 samples of padding each side, no centring.
        var padded = nn.functional.pad(signal, [(fft - hop) / 2, (fft - hop) / 2], PaddingModes.Reflect);
        var spectrum = stft(padded, fft, hop, fft, decoder.Window(CPU), center: false, return_complex: true);
        Assert.Equal(frames, spectrum.shape[2]);

        var inverse = decoder.Inverse(spectrum);

        Assert.Equal(new long[] { 1, frames * hop }, inverse.shape);
        Assert.True(inverse.allclose(signal, rtol: 0, atol: 1e-4), $"max error {(inverse - signal).abs().max().item<float>()}");
    }

    [Fact]
    public void Streamed_in_any_chunks_the_decoder_gives_the_offline_audio()
    {
        using var scope = NewDisposeScope();
        using var decoder = CreateTiny();
        using var codec = TinyEncodec.Create();
        const int frames = 23;
        var codes = randint(0, 16, [1, 3, frames], generator: new Generator(7));
        var latents = codec.Quantizer.Decode(codes);
        var offline = decoder.Decode(latents, 3);
        Assert.Equal(new long[] { 1, 1, frames * 320 }, offline.shape);

        foreach (int chunk in new[] { 1, 4, 7, frames })
        {
            var fromCodes = Stream(new VocosStreamingDecoder(decoder, codec.Quantizer, CPU), chunk, n => codes.narrow(2, n.Start, n.Count), pushCodes: true);
            var fromLatents = Stream(new VocosStreamingDecoder(decoder, codec.Quantizer, CPU, codebooks: 3), chunk, n => latents.narrow(2, n.Start, n.Count), pushCodes: false);
            foreach (var streamed in new[] { fromCodes, fromLatents })
            {
                Assert.Equal(offline.shape, streamed.shape);
                Assert.True(streamed.allclose(offline, rtol: 0, atol: 1e-5), $"chunks of {chunk}: max error {(streamed - offline).abs().max().item<float>()}");
            }
        }
        // The condition is the codebook count's: the same latents read as 1 codebook's come out otherwise.
        Assert.False(decoder.Decode(latents, 1).allclose(offline, rtol: 0, atol: 1e-5));
    }

    static Tensor Stream(VocosStreamingDecoder stream, int chunk, Func<(long Start, long Count), Tensor> slice, bool pushCodes)
    {
        using (stream)
        {
            var pieces = new List<Tensor>();
            for (long start = 0; start < 23; start += chunk)
            {
                var part = slice((start, Math.Min(chunk, 23 - start)));
                pieces.Add(pushCodes ? stream.Push(part) : stream.PushLatents(part));
            }
            pieces.Add(stream.Flush());
            return cat(pieces, 2);
        }
    }

    [Fact]
    public void A_codebook_count_reads_as_the_largest_trained_count_not_above_it()
    {
        var ours = new VocosConfig();
        Assert.Equal(3, ours.ConditionFor(4));
        Assert.Equal(11, ours.ConditionFor(12));
        Assert.Equal(11, ours.ConditionFor(32));
        var published = VocosCheckpoint.Encodec24kHz;
        Assert.Equal(0, published.ConditionFor(2));
        Assert.Equal(0, published.ConditionFor(3));
        Assert.Equal(2, published.ConditionFor(8));
        Assert.Equal(3, published.ConditionFor(32));
        Assert.Throws<ArgumentException>(() => published.ConditionFor(1));
    }

    [Fact]
    public void A_codec_folder_with_a_vocos_decoder_decodes_with_it_offline_and_streaming()
    {
        using var dir = new TempDirectory();
        using (var scope = NewDisposeScope())
        {
            using var model = TinyEncodec.Create();
            using var decoder = CreateTiny();
            Media.Modeling.Checkpoints.SafetensorsWriter.Write(dir.File("model.safetensors"), model.state_dict());
            File.WriteAllText(dir.File("config.json"), TinyEncodec.Config.ToJson());
            File.WriteAllText(dir.File(NeuralAudioCodec.VocosConfigFile), Tiny.ToJson());
            Media.Modeling.Checkpoints.SafetensorsWriter.Write(dir.File(NeuralAudioCodec.VocosWeightsFile), decoder.state_dict());
        }

        using var codec = NeuralAudioCodec.Load(dir.Path);
        using var plain = NeuralAudioCodec.Load(dir.Path, encodecDecoder: true);
        Assert.Equal("vocos", codec.DecoderName);
        Assert.Equal("encodec", plain.DecoderName);
        var audio = new AudioBuffer([TinyEncodec.Audio(1, 7_000).reshape(-1).data<float>().ToArray()], 24_000);
        var codes = codec.Encode(audio, 1.2);
        Assert.Equal(plain.Encode(audio, 1.2).Codes, codes.Codes);

        var decoded = codec.Decode(codes);
        Assert.Equal(7_000, decoded.Length);
        Assert.NotEqual(plain.Decode(codes).Channels[0], decoded.Channels[0]);
        var whole = codec.DecodeMatrix(codes.Codes).Channels[0];
        var chunks = codec.DecodeChunks(codes.Codes, 5).SelectMany(c => c.Channels[0]).ToArray();
        Assert.Equal(whole.Length, chunks.Length);
        Assert.True(whole.Zip(chunks).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);

        // A decoder trained together with the encoder replaces EnCodec's: the folder's EnCodec decoder never learned these codes.
        File.WriteAllText(dir.File(NeuralAudioCodec.VocosConfigFile), (Tiny with { ReplacesDecoder = true }).ToJson());
        var refused = Assert.Throws<InvalidOperationException>(() => NeuralAudioCodec.Load(dir.Path, encodecDecoder: true));
        Assert.Contains("not trained on its codes", refused.Message);
        using var replaced = NeuralAudioCodec.Load(dir.Path);
        Assert.Equal("vocos", replaced.DecoderName);
    }
}
