using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Training.Adversarial;
using Media.Tokenizers.Tests.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Audio.Training;

// Seeds torch's global generator for its initialisation (see CodecTrainingTests).
[Collection(SingleThreadedTorch.Name)]
public sealed class AdversarialCodecTrainingTests
{
    static IReadOnlyList<(Tensor Logits, IReadOnlyList<Tensor> Features)> Judged(float logit, params float[] features) =>
        [(full(2, 1, 3, 4, logit), features.Select(f => full(2, 4, 3, 4, f)).ToArray())];

    [Fact]
    public void Every_scale_judges_patches_of_the_complex_spectrogram_and_returns_its_five_activations()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var discriminator = new MultiScaleStftDiscriminator([256, 64], filters: 4);
        var audio = TinyEncodec.Audio(2, 3_200).requires_grad_(true);

        var judged = discriminator.call(audio);

        Assert.Equal(2, judged.Count);
        // 256-point FFT, hop 64, no centring: (3200 - 256) / 64 + 1 = 47 frames, 129 bins, halved thrice along frequency.
        Assert.Equal(new long[] { 2, 1, 47, 17 }, judged[0].Logits.shape);
        Assert.Equal(new long[] { 2, 1, 197, 5 }, judged[1].Logits.shape);
        Assert.All(judged, d => Assert.Equal(5, d.Features.Count));
        Assert.All(judged[0].Features, f => Assert.Equal(4, f.shape[1]));
        // The audio's gradient flows back through the STFT: the generator learns from it.
        judged.Select(d => d.Logits.sum()).Aggregate((a, b) => a + b).backward();
        Assert.True(audio.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_clip_shorter_than_the_largest_fft_is_refused()
    {
        using var scope = NewDisposeScope();
        using var discriminator = new MultiScaleStftDiscriminator([2048], filters: 2);
        Assert.Equal(2048, discriminator.MinimumSamples);
        Assert.Throws<ArgumentException>(() => discriminator.call(zeros(1, 1, 1000)));
    }

    [Fact]
    public void The_hinge_losses_vanish_past_the_margins_and_count_one_per_unit_inside_them()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0.0, AdversarialLosses.Generator(Judged(2f)).item<float>());
        Assert.Equal(1.0, AdversarialLosses.Generator(Judged(0f)).item<float>());
        Assert.Equal(0.0, AdversarialLosses.Discriminator(Judged(2f), Judged(-2f)).item<float>());
        Assert.Equal(2.0, AdversarialLosses.Discriminator(Judged(0f), Judged(0f)).item<float>());
        Assert.Equal(1.5, AdversarialLosses.Discriminator(Judged(0.5f), Judged(0f)).item<float>(), 5);
    }

    [Fact]
    public void Feature_matching_is_relative_to_the_real_activations_and_holds_them_fixed()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0.0, AdversarialLosses.FeatureMatching(Judged(0f, 3f, -2f), Judged(0f, 3f, -2f)).item<float>());
        // |6 - 3| / 3 = 1 and |-1 - -2| / 2 = 0.5: averaged over the two layers.
        Assert.Equal(0.75, AdversarialLosses.FeatureMatching(Judged(0f, 3f, -2f), Judged(0f, 6f, -1f)).item<float>(), 5);
        var real = Judged(0f, 3f);
        real[0].Features[0].requires_grad_(true);
        var fake = Judged(0f, 4f);
        fake[0].Features[0].requires_grad_(true);
        AdversarialLosses.FeatureMatching(real, fake).backward();
        Assert.Null(real[0].Features[0].grad);
        Assert.NotNull(fake[0].Features[0].grad);
    }

    [Fact]
    public void An_adversarial_step_trains_the_codec_through_the_balancer_and_the_discriminator_on_its_own_hinge()
    {
        using var scope = NewDisposeScope();
        var config = TinyEncodec.Config with { SamplingRate = 16_000 };
        manual_seed(4);
        using var model = new EncodecModel(config);
        using var discriminator = new MultiScaleStftDiscriminator([512, 128], filters: 4);
        using var objective = new CodecTrainingObjective(model, discriminator: discriminator);
        var audio = TinyEncodec.Audio(2, 3_200);

        var loss = objective.Compute(audio, config.NumQuantizers, updateCodebooks: false, adversarial: AdversarialPhase.Full);
        loss.Total.backward();

        Assert.NotNull(loss.Generator);
        Assert.NotNull(loss.FeatureMatching);
        Assert.InRange(loss.Discriminator!.Value, 0, 4);
        Assert.All(model.named_parameters().Where(p => p.name.StartsWith("decoder.", StringComparison.Ordinal)),
            p => Assert.True(p.parameter.grad is { } g && g.abs().sum().item<float>() > 0, $"{p.name} has no gradient"));

        // The discriminator's gradient is its own hinge loss's alone: the generator's terms reach only the codec.
        var fromStep = discriminator.parameters().Select(p => p.grad!.clone()).ToArray();
        // (conv_post's bias may see none at the start: with every logit inside the margins its real and fake terms cancel.)
        Assert.True(fromStep.Count(g => g.abs().sum().item<float>() > 0) >= fromStep.Length - 2);
        foreach (var p in discriminator.parameters()) p.grad!.zero_();
        var decoded = model.Decode(model.Encode(audio)); // the step's decoded audio: all codebooks, no codebook update
        AdversarialLosses.Discriminator(discriminator.call(audio), discriminator.call(decoded.detach())).backward();
        var alone = discriminator.parameters().Select(p => p.grad!).ToArray();
        for (int i = 0; i < alone.Length; i++) Assert.True(fromStep[i].allclose(alone[i], rtol: 1e-4, atol: 1e-7), $"parameter {i} differs");

        Assert.Throws<InvalidOperationException>(() => new CodecTrainingObjective(model).Compute(audio, config.NumQuantizers, adversarial: AdversarialPhase.Full));
    }
}
