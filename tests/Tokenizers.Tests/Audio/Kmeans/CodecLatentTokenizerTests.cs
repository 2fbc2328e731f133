using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Kmeans;
using Media.Tokenizers.Tests.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Kmeans;

// Serial: the tiny codec's weights come from the global generator (TinyEncodec.Create seeds it), which parallel test
// classes draw from too; in parallel its weights, and so the k-means fit checked here, varied from run to run.
[Collection(SingleThreadedTorch.Name)]
public sealed class CodecLatentTokenizerTests
{
    static int[][] Codes(NeuralAudioCodec codec, int seed, int samples = 24_000) =>
        [.. codec.Encode(new Media.Audio.IO.AudioBuffer([TinyEncodec.Audio(1, samples, seed).reshape(-1).data<float>().ToArray()], codec.Model.Config.SamplingRate)).Codes
            .Select(r => r.ToArray())];

    [Fact]
    public void Two_frames_make_one_token_and_a_centroid_per_vector_decodes_as_the_codec_does()
    {
        using var codec = new NeuralAudioCodec(TinyEncodec.Create());
        var codes = Codes(codec, 3, 73 * 320); // an odd number of frames: the last token repeats its frame
        int frames = codes[0].Length;
        Assert.Equal(1, frames % 2);
        var (tokenizer, _, vectors) = CodecLatentTokenizer.Fit(codec, [codes], framesPerToken: 2, codebooks: 4, clusters: (frames + 1) / 2, iterations: 3,
            maxVectors: 10_000, seed: 1, CPU);
        using (tokenizer)
        {
            Assert.Equal((frames + 1) / 2, vectors);
            var tokens = tokenizer.Tokens(codes);
            Assert.Equal((frames + 1) / 2, tokens.Length);
            var audio = tokenizer.Decode(tokens);
            Assert.Equal(tokens.Length * tokenizer.SamplesPerToken, audio.Length);

            // With a centroid for every vector each token is its own latents: the codec's own decode of the same codebooks (the odd frame repeated) is what the tokens give back.
            var padded = codes.Take(4).Select(r => r.Append(r[^1]).ToArray()).ToArray();
            var reference = codec.DecodeMatrix(padded).Channels[0];
            Assert.Equal(reference.Length, audio.Length);
            Assert.True(reference.Zip(audio).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
        }
    }

    [Fact]
    public void Streamed_chunks_add_up_to_the_whole_decode_and_a_saved_tokenizer_gives_the_same_tokens()
    {
        using var codec = new NeuralAudioCodec(TinyEncodec.Create());
        var tracks = new[] { Codes(codec, 4), Codes(codec, 5), Codes(codec, 6) };
        var (tokenizer, fit, _) = CodecLatentTokenizer.Fit(codec, tracks, 2, 4, clusters: 8, iterations: 5, maxVectors: 10_000, seed: 2, CPU);
        using (tokenizer)
        {
            Assert.True(fit.Inertia[^1] <= fit.Inertia[0]);
            var tokens = tokenizer.Tokens(tracks[1]);
            var whole = tokenizer.Decode(tokens);
            var chunks = tokenizer.DecodeChunks(tokens, 5).SelectMany(c => c).ToArray();
            Assert.Equal(whole.Length, chunks.Length);
            Assert.True(whole.Zip(chunks).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);

            string folder = Path.Combine(Path.GetTempPath(), "latent-tokenizer-" + Guid.NewGuid().ToString("N"));
            try
            {
                tokenizer.Save(folder);
                using var loaded = CodecLatentTokenizer.Load(folder, codec);
                Assert.Equal(4, loaded.Codebooks);
                Assert.Equal(2, loaded.FramesPerToken);
                Assert.Equal(tokenizer.TokenRate, loaded.TokenRate);
                Assert.Equal(tokens, loaded.Tokens(tracks[1]));
                Assert.Equal(tokens, loaded.Encode(TinyEncodec.Audio(1, 24_000, 5).reshape(-1).data<float>().ToArray()));

                manual_seed(1);
                using var other = new NeuralAudioCodec(new EncodecModel(TinyEncodec.Config with { HiddenSize = 16 }));
                var error = Assert.Throws<InvalidDataException>(() => CodecLatentTokenizer.Load(folder, other));
                Assert.Contains("another codec", error.Message);
            }
            finally
            {
                Directory.Delete(folder, true);
            }
        }
    }
}
