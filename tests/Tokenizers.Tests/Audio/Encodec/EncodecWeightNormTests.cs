using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Encodec;

/// <summary>EnCodec trained as its paper trains it: weight-normalised convolutions, folded into plain kernels for inference.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class EncodecWeightNormTests
{
    [Fact]
    public void A_weight_normalised_codec_starts_from_the_plain_kernels_and_folds_back_into_a_plain_codec()
    {
        using var scope = NewDisposeScope();
        using var plain = TinyEncodec.Create(seed: 4);
        manual_seed(4);
        using var normed = new EncodecModel(TinyEncodec.Config, weightNorm: true);
        var audio = TinyEncodec.Audio(2, 3200);

        var keys = normed.state_dict().Keys.ToList();
        Assert.Contains("encoder.layers.0.conv.weight_g", keys);
        Assert.Contains("decoder.layers.3.conv.weight_v", keys);   // the first transposed convolution
        Assert.Contains("decoder.layers.3.conv.bias", keys);
        Assert.DoesNotContain(keys, k => k.EndsWith(".conv.weight", StringComparison.Ordinal));
        Assert.Equal(new long[] { 64, 1, 1 }, normed.state_dict()["decoder.layers.3.conv.weight_g"].shape);   // per input channel, as PyTorch's dim 0

        // The same initialisation: weight_norm over PyTorch's kernels changes nothing at the start.
        var codes = plain.Encode(audio);
        Assert.True(TinyEncodec.Same(codes, normed.Encode(audio)));
        Assert.True(plain.Decode(codes).allclose(normed.Decode(codes), rtol: 1e-4, atol: 1e-6));

        // A trained length (g) moves the output; folding keeps exactly what the weight-normalised codec computes.
        using (no_grad())
            foreach (var (key, tensor) in normed.state_dict().Where(p => p.Key.EndsWith(".weight_g", StringComparison.Ordinal)))
                tensor.mul_(1.25);
        var decoded = normed.Decode(codes);
        Assert.False(plain.Decode(codes).allclose(decoded, rtol: 1e-3, atol: 1e-4));
        using var folded = new EncodecModel(TinyEncodec.Config);
        Checkpoint.LoadModel(folded, WeightNorm.FoldAll(normed.state_dict()));
        Assert.True(folded.Decode(codes).allclose(decoded, rtol: 1e-4, atol: 1e-6));
    }

    // ||a - b|| / ||b||: the two models' passes agree to float rounding, which the quantizer's nearest-code choices and
    // the deep chain amplify to about a percent; a wrong parametrisation or libtorch's faulty conv backward is far off.
    static double Off(Tensor actual, Tensor expected) => (actual - expected).norm().item<float>() / expected.norm().item<float>();

    [Fact]
    public void In_training_g_and_v_get_the_plain_kernels_gradient_through_the_chain_rule()
    {
        using var scope = NewDisposeScope();
        var audio = TinyEncodec.Audio(2, 3200);
        using var plain = TinyEncodec.Create(seed: 5);
        manual_seed(5);
        using var normed = new EncodecModel(TinyEncodec.Config, weightNorm: true);
        foreach (var model in new[] { plain, normed })
        {
            model.train();
            using var objective = new CodecTrainingObjective(model, new CodecLossWeights());
            manual_seed(6);   // the codebooks' first use draws from the generator: the same draws for both
            objective.Compute(audio, 2, updateCodebooks: false).Total.backward();
        }

        var plainParameters = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var parameters = normed.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var layer in new[] { "encoder.layers.0.conv", "encoder.layers.1.block.1.conv", "encoder.layers.3.conv", "decoder.layers.3.conv", "decoder.layers.0.conv" })
        {
            // W = g u with u = v / ||v|| per first-dimension slice: dL/dg = <dL/dW, u>, dL/dv = g / ||v|| (dL/dW - <dL/dW, u> u).
            var gradW = plainParameters[layer + ".weight"].grad!;
            var (g, v) = (parameters[layer + ".weight_g"], parameters[layer + ".weight_v"]);
            var norm = v.square().sum([1, 2], keepdim: true).sqrt();
            var u = v / norm;
            var along = (gradW * u).sum([1, 2], keepdim: true);
            Assert.True(Off(g.grad!, along) < 0.02, layer + ": g");
            Assert.True(Off(v.grad!, g / norm * (gradW - along * u)) < 0.02, layer + ": v");
            Assert.True(along.abs().sum().item<float>() > 0, layer);
        }
    }
}
