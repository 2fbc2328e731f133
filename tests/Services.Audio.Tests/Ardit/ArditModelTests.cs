using Media.Services.Audio.Speech.Ardit;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

[Collection(SingleThreadedTorch.Name)]
public sealed class ArditModelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Cached_block_velocity_equals_the_full_forward_of_the_training_layout(int blockSize)
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(blockSize);
        using var model = ArditTestModels.Randomised(config);
        const int L = 7, N = 10;
        manual_seed(3);
        var text = randint(0, config.VocabSize, [1, L]);
        var clean = randn(1, N, config.LatentDim);
        var noisy = randn(1, N, config.LatentDim);
        const double t = 0.3;
        var whole = model.Velocity(text, [L], clean, noisy, full(1, N, t), [N]);

        using var cache = model.StartContext(text, N);
        for (int start = 0; start < N; start += blockSize)
        {
            int n = Math.Min(blockSize, N - start);
            var cached = model.VelocityCached(cache, noisy.narrow(1, start, n), t, start);
            var reference = whole.narrow(1, start, n);
            Assert.True(cached.allclose(reference, rtol: 1e-4, atol: 1e-5),
                $"block at frame {start}: max difference {(cached - reference).abs().max().item<float>()}");
            model.AppendClean(cache, clean.narrow(1, start, n), start);
        }
    }

    [Fact]
    public void A_noisy_block_ignores_later_frames_and_its_own_clean_copy()
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(4);
        using var model = ArditTestModels.Randomised(config);
        manual_seed(5);
        var text = randint(0, config.VocabSize, [1, 5]);
        var clean = randn(1, 12, config.LatentDim);
        var noisy = randn(1, 12, config.LatentDim);
        var times = full(1, 12, 0.5);
        var before = model.Velocity(text, [5], clean, noisy, times, [12]).narrow(1, 4, 4);
        // Block 1 is frames 4..7: changing clean frames 4.. and noisy frames 8.. must not move its velocity.
        var clean2 = clean.clone();
        clean2.narrow(1, 4, 8).add_(1.0);
        var noisy2 = noisy.clone();
        noisy2.narrow(1, 8, 4).add_(1.0);
        var after = model.Velocity(text, [5], clean2, noisy2, times, [12]).narrow(1, 4, 4);
        Assert.True(after.allclose(before, rtol: 1e-5, atol: 1e-6));
        // ...while an earlier clean frame does.
        var clean3 = clean.clone();
        clean3.narrow(1, 0, 1).add_(1.0);
        var moved = model.Velocity(text, [5], clean3, noisy, times, [12]).narrow(1, 4, 4);
        Assert.True((moved - before).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void Padding_a_row_in_a_batch_leaves_its_velocity_unchanged()
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(4);
        using var model = ArditTestModels.Randomised(config);
        manual_seed(9);
        var text = randint(0, config.VocabSize, [1, 4]);
        var clean = randn(1, 6, config.LatentDim);
        var noisy = randn(1, 6, config.LatentDim);
        var alone = model.Velocity(text, [4], clean, noisy, full(1, 6, 0.7), [6]);
        var paddedText = cat([text, zeros(1, 3, dtype: ScalarType.Int64)], 1);
        var paddedClean = cat([clean, randn(1, 5, config.LatentDim)], 1);
        var paddedNoisy = cat([noisy, randn(1, 5, config.LatentDim)], 1);
        var padded = model.Velocity(paddedText, [4], paddedClean, paddedNoisy, full(1, 11, 0.7), [6]).narrow(1, 0, 6);
        Assert.True(padded.allclose(alone, rtol: 1e-4, atol: 1e-5));
    }
}
