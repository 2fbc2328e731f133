using Media.Modeling.Layers;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Latents;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech.Latents;

public class MelVaeTests
{
    static readonly MelVaeConfig Tiny = new() { LatentDim = 4, Channels = 16, Hidden = 32, Kernel = 3 };

    static MelVae Model(long seed)
    {
        random.manual_seed(seed);
        var model = new MelVae(Tiny);
        model.eval();
        return model;
    }

    [Fact]
    public void The_encoder_downsamples_four_times_and_the_decoder_restores_the_frame_count()
    {
        using var scope = NewDisposeScope();
        using var model = Model(1);
        var mel = randn(2, 80, 24);
        var (mean, logVar) = model.Posterior(mel);
        Assert.Equal(new long[] { 2, 4, 6 }, mean.shape);
        Assert.Equal(new long[] { 2, 4, 6 }, logVar.shape);
        Assert.Equal(new long[] { 2, 80, 24 }, model.Decode(mean).shape);
        Assert.Equal(new long[] { 2, 80, 24 }, model.call(mel).shape);
    }

    [Fact]
    public void The_default_latents_run_at_twenty_hertz()
    {
        var config = new MelVaeConfig();
        Assert.Equal(80.0, config.Mel.FrameRate);
        Assert.Equal(20.0, config.LatentRate);
    }

    [Fact]
    public void Mels_whose_length_is_not_a_multiple_of_four_are_rejected_and_can_be_padded()
    {
        using var scope = NewDisposeScope();
        using var model = Model(1);
        var mel = randn(1, 80, 22);
        var error = Assert.Throws<ArgumentException>(() => model.Posterior(mel));
        Assert.Contains("multiple of 4", error.Message, StringComparison.Ordinal);
        var padded = model.PadFrames(mel);
        Assert.Equal(24, padded.shape[2]);
        Assert.Equal(0f, (padded.narrow(2, 0, 22) - mel).abs().max().item<float>());
        double silence = (Math.Log(1e-5) + 5.0) / 2.5;
        Assert.Equal(silence, padded[0, 0, 23].item<float>(), 5);
        Assert.Throws<ArgumentException>(() => model.Posterior(randn(1, 40, 8)));
    }

    [Fact]
    public void Decoding_block_by_block_with_carried_state_equals_offline_decoding()
    {
        using var scope = NewDisposeScope();
        using var model = Model(2);
        var latents = randn(1, 4, 13);
        var offline = model.Decode(latents);

        using var state = new ConvolutionStreamState(model.Decoder.StateSlots);
        var chunks = new List<Tensor>();
        int start = 0;
        foreach (int size in new[] { 1, 3, 2, 5, 2 })
        {
            chunks.Add(model.Decoder.Step(latents.narrow(2, start, size), state));
            start += size;
        }
        var streamed = cat(chunks, 2);
        Assert.Equal(offline.shape, streamed.shape);
        Assert.True((offline - streamed).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void The_decoder_is_causal_so_later_latents_never_change_earlier_frames()
    {
        using var scope = NewDisposeScope();
        using var model = Model(3);
        var latents = randn(1, 4, 10);
        var changed = latents.clone();
        changed.narrow(2, 6, 4).add_(randn(1, 4, 4));
        var a = model.Decode(latents);
        var b = model.Decode(changed);
        Assert.Equal(0f, (a.narrow(2, 0, 24) - b.narrow(2, 0, 24)).abs().max().item<float>());
        Assert.True((a.narrow(2, 24, 16) - b.narrow(2, 24, 16)).abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void The_kl_term_is_zero_exactly_when_the_posterior_is_the_prior()
    {
        // KL(N(m, s^2) || N(0, 1)) = (m^2 + s^2 - 1 - log s^2) / 2, checked on the closed form through a zeroed projection.
        using var scope = NewDisposeScope();
        using var model = Model(4);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.StartsWith("encoder.proj", StringComparison.Ordinal)) p.zero_();
        var (loss, reconstruction, kl) = model.Loss(randn(2, 80, 8), new Generator(1, CPU));
        Assert.Equal(0f, kl.item<float>(), 6);
        Assert.Equal(reconstruction.item<float>(), loss.item<float>(), 6);
    }
}
