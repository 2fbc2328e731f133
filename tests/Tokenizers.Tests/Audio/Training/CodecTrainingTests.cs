using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Tests.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Training;

// Seeds torch's global generator (manual_seed) for its initialisation: alone, or parallel tests' draws change it (seen: a NaN loss).
[Collection(SingleThreadedTorch.Name)]
public sealed class CodecTrainingTests
{
    [Fact]
    [Slow("model training")]
    public void A_few_training_steps_reduce_the_codec_loss_on_a_fixed_batch()
    {
        using var scope = NewDisposeScope();
        var config = TinyEncodec.Config with { SamplingRate = 16_000 };
        manual_seed(1);
        using var model = new EncodecModel(config);
        model.train();
        using var objective = new CodecTrainingObjective(model);
        var audio = TinyEncodec.Audio(2, 3_200);
        using var optimizer = optim.Adam(model.parameters(), 3e-3);

        double first = 0, last = 0;
        for (int step = 0; step < 12; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = objective.Compute(audio, config.NumQuantizers);
            loss.Total.backward();
            optimizer.step();
            if (step == 0) first = loss.Total.item<float>();
            last = loss.Total.item<float>();
        }
        Assert.True(last < 0.9 * first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Without_codebooks_the_objective_trains_the_plain_autoencoder_and_leaves_the_codebooks_alone()
    {
        using var scope = NewDisposeScope();
        var config = TinyEncodec.Config with { SamplingRate = 16_000 };
        manual_seed(2);
        using var model = new EncodecModel(config);
        using var objective = new CodecTrainingObjective(model);
        var audio = TinyEncodec.Audio(2, 3_200);
        var before = model.state_dict().Where(p => p.Key.StartsWith("quantizer.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value.clone());

        var loss = objective.Compute(audio, numCodebooks: 0);

        Assert.Equal(0, loss.Codebooks);
        Assert.Equal(0.0, loss.Commitment);
        Assert.Equal(0, loss.RestartedCodes);
        foreach (var (key, value) in before)
            Assert.True(value.allclose(model.state_dict()[key], rtol: 0, atol: 0), $"{key} changed");
        // The reconstruction reaches the encoder directly (no straight-through estimate in between).
        loss.Total.backward();
        var encoderGrads = model.named_parameters().Where(p => p.name.StartsWith("encoder.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(encoderGrads);
        Assert.All(encoderGrads, p => Assert.True(p.parameter.grad is { } g && g.abs().sum().item<float>() > 0, $"{p.name} has no gradient"));
    }

    [Fact]
    [Slow("model training")]
    public void The_warm_up_objective_is_the_mean_squared_sample_error_of_the_plain_autoencoder()
    {
        using var scope = NewDisposeScope();
        var config = TinyEncodec.Config with { SamplingRate = 16_000 };
        manual_seed(3);
        using var model = new EncodecModel(config);
        model.eval();
        using var objective = new CodecTrainingObjective(model, new CodecLossWeights { Time = 0, SquaredTime = 1, Stft = 0, Mel = 0, Commitment = 0 });
        var audio = TinyEncodec.Audio(2, 3_200);

        var loss = objective.Compute(audio, numCodebooks: 0);

        // Reference: the encoder and decoder run by hand (the state dict's "encoder" and "decoder"), the error squared sample by sample.
        using var noGrad = no_grad();
        var encoder = (nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == "encoder").module;
        var decoder = (nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == "decoder").module;
        var reference = (decoder.call(encoder.call(audio)) - audio).square().mean().item<float>();
        Assert.Equal(reference, loss.Total.item<float>(), 1e-6f);
        Assert.True(reference > 0);
    }

    [Fact]
    public void Ema_moves_each_used_code_to_the_mean_of_its_vectors_and_restarts_unused_codes_on_batch_vectors()
    {
        using var scope = NewDisposeScope();
        var codebook = new EuclideanCodebook(4, 2);
        var vectors = tensor(new float[] { 1, 1, 3, 3, 10, 10 }, [3, 2]);
        var indices = tensor(new long[] { 0, 0, 1 });
        // Decay 0: the codes become exactly the (smoothed) means; threshold: codes 2 and 3 are unused.
        var ema = new CodebookEma { Decay = 0, Epsilon = 1e-9 };

        int restarted = ema.Update(codebook, vectors, indices);

        var embed = codebook.Embed;
        Assert.Equal(2, restarted);
        Assert.Equal(2f, embed[0, 0].item<float>(), 4); // mean of (1,1) and (3,3)
        Assert.Equal(10f, embed[1, 1].item<float>(), 4);
        var batch = vectors.data<float>().ToArray();
        for (int k = 2; k < 4; k++)
        {
            float x = embed[k, 0].item<float>(), y = embed[k, 1].item<float>();
            Assert.Contains(Enumerable.Range(0, 3), i => batch[2 * i] == x && batch[2 * i + 1] == y);
        }
    }
}
