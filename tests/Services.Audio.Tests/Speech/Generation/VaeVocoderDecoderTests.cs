using Media.Services.Audio.Speech.Generation;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Generation;

/// <summary>The committed speech decoder (mel VAE decoder, then the iSTFT vocoder) streams: how latents are cut into pieces does not change the audio.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class VaeVocoderDecoderTests
{
    [Fact]
    public void Pieces_of_one_four_or_eight_frames_decode_to_the_same_audio_as_the_whole()
    {
        using var scope = NewDisposeScope();
        var decoder = VaeVocoderDecoder.Load(CommittedModels.Folder, CPU);
        manual_seed(11);
        var latents = randn(27, decoder.LatentDim);
        float[] Decode(int piece)
        {
            using var stream = decoder.OpenStream();
            var samples = new List<float>();
            for (int start = 0; start < latents.shape[0]; start += piece)
                samples.AddRange(stream.Push(latents.narrow(0, start, Math.Min(piece, latents.shape[0] - start))));
            samples.AddRange(stream.Finish());
            return [.. samples];
        }
        var whole = Decode(27);
        Assert.True(whole.Length > 0);
        foreach (int piece in new[] { 1, 4, 8 })
        {
            var pieces = Decode(piece);
            Assert.Equal(whole.Length, pieces.Length);
            double largest = whole.Zip(pieces, (a, b) => (double)Math.Abs(a - b)).Max();
            Assert.True(largest < 1e-4, $"pieces of {piece}: largest difference {largest}");
        }
    }
}
