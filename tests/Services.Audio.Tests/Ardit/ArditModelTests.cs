using Media.Modeling.Transformers;
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

    [Theory]
    [InlineData(4, 7)]
    [InlineData(4, 8)]
    [InlineData(1, 5)]
    public void Cached_editing_with_the_suffix_encoded_first_equals_the_fill_in_the_middle_training_layout(int blockSize, int suffixStart)
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(blockSize);
        using var model = ArditTestModels.Randomised(config);
        const int L = 7, N = 11;
        manual_seed(3);
        var text = randint(0, config.VocabSize, [1, L]);
        var clean = randn(1, N, config.LatentDim);
        var noisy = randn(1, N, config.LatentDim);
        const double t = 0.3;
        var whole = model.Velocity(text, [L], clean, noisy, full(1, N, t), [N], suffixStarts: [suffixStart]);
        var unseen = model.Velocity(text, [L], clean, noisy, full(1, N, t), [N]);

        using var cache = model.StartContext(text, N);
        model.AppendSuffix(cache, clean.narrow(1, suffixStart, N - suffixStart));
        Assert.Equal(suffixStart, cache.SuffixStart);
        for (int start = 0; start < suffixStart; start += blockSize)
        {
            // The block that reaches the suffix is short: it stops where the suffix starts.
            int n = Math.Min(blockSize, suffixStart - start);
            var cached = model.VelocityCached(cache, noisy.narrow(1, start, n), t, start);
            var reference = whole.narrow(1, start, n);
            Assert.True(cached.allclose(reference, rtol: 1e-4, atol: 1e-5),
                $"block at frame {start}: max difference {(cached - reference).abs().max().item<float>()}");
            Assert.False(cached.allclose(unseen.narrow(1, start, n), rtol: 1e-3, atol: 1e-4), $"block at frame {start} did not see the suffix");
            model.AppendClean(cache, clean.narrow(1, start, n), start);
        }
        Assert.Throws<ArgumentException>(() => model.VelocityCached(cache, noisy.narrow(1, suffixStart - 1, 2), t, suffixStart - 1));
    }

    [Fact]
    public void Appending_a_block_in_the_next_blocks_forward_pass_equals_the_two_calls_alone_and_batched()
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(4);
        using var model = ArditTestModels.Randomised(config);
        manual_seed(4);
        // Three utterances: two with a finished block waiting (of 4 frames, and of 2 as a B = 2 request has), one without.
        var texts = new[] { randint(0, config.VocabSize, [1, 7]), randint(0, config.VocabSize, [1, 5]), randint(0, config.VocabSize, [1, 9]) };
        int[] totals = [16, 12, 20];
        Tensor?[] pending = [randn(1, 4, config.LatentDim), randn(1, 2, config.LatentDim), null];
        var noisy = randn(3, 2, config.LatentDim);
        double[] times = [0.2, 0.5, 0.9];

        ArditContextCache[] Caches(KvCache? slots = null) => [.. texts.Select((t, r) =>
        {
            var cache = model.StartContext(t, totals[r], slots: slots);
            model.AppendClean(cache, randn(1, 4, config.LatentDim, generator: new Generator((ulong)r + 1)), 0);   // the same earlier context both ways
            return cache;
        })];
        using var ownSlots = model.CreateContextSlots(3);   // the separate calls' caches, freed with it
        var separate = Caches(ownSlots);
        var expected = Enumerable.Range(0, 3).Select(r =>
        {
            if (pending[r] is { } block) model.AppendClean(separate[r], block, 4);
            return model.VelocityCached(separate[r], noisy.narrow(0, r, 1), times[r], separate[r].CleanFrames);
        }).ToArray();
        int[] firstFrames = [.. separate.Select(c => c.CleanFrames)];

        using var slots = model.CreateContextSlots(3);
        var batched = Caches(slots);
        var together = model.AppendCleanAndVelocityCached(batched, pending, noisy, times, firstFrames);
        using var fusedSlots = model.CreateContextSlots(3);
        var fusedAlone = Caches(fusedSlots)[0];
        var one = model.AppendCleanAndVelocity(fusedAlone, pending[0]!, 4, noisy.narrow(0, 0, 1), times[0], 8);
        // A batch drained to one row takes the same one-row pass.
        using var drainedSlots = model.CreateContextSlots(3);
        var drained = Caches(drainedSlots)[0];
        var lastRow = model.AppendCleanAndVelocityCached([drained], [pending[0]], noisy.narrow(0, 0, 1), [times[0]], [8]);
        for (int r = 0; r < 3; r++)
        {
            Assert.True(together.narrow(0, r, 1).allclose(expected[r], rtol: 1e-4, atol: 1e-5), $"row {r}: max difference {(together.narrow(0, r, 1) - expected[r]).abs().max().item<float>()}");
            Assert.Equal(separate[r].CleanFrames, batched[r].CleanFrames);
        }
        Assert.True(one.allclose(expected[0], rtol: 1e-4, atol: 1e-5), $"alone: max difference {(one - expected[0]).abs().max().item<float>()}");
        Assert.Equal(separate[0].CleanFrames, fusedAlone.CleanFrames);
        Assert.True(lastRow.allclose(expected[0], rtol: 1e-4, atol: 1e-5), $"last row: max difference {(lastRow - expected[0]).abs().max().item<float>()}");
        Assert.Equal(separate[0].CleanFrames, drained.CleanFrames);
        // The appended context is the same too: the next block sees the same velocity either way.
        var next = randn(1, 4, config.LatentDim);
        Assert.True(model.VelocityCached(batched[1], next, 0.4, 6).allclose(model.VelocityCached(separate[1], next, 0.4, 6), rtol: 1e-4, atol: 1e-5));
        Assert.True(model.VelocityCached(fusedAlone, next, 0.4, 8).allclose(model.VelocityCached(separate[0], next, 0.4, 8), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void A_short_last_block_padded_into_a_batched_step_and_rows_in_scattered_slots_equal_their_calls_alone()
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(4);
        using var model = ArditTestModels.Randomised(config);
        manual_seed(6);
        var texts = new[] { randint(0, config.VocabSize, [1, 6]), randint(0, config.VocabSize, [1, 8]), randint(0, config.VocabSize, [1, 5]) };
        int[] totals = [12, 10, 16];
        var noisy = randn(3, 4, config.LatentDim);
        double[] times = [0.1, 0.6, 0.8];
        int[] real = [4, 2, 4];   // row 1's last block (frames 8-9 of 10) is short: two frames, then padding

        ArditContextCache Open(int r, KvCache? slots)
        {
            var cache = model.StartContext(texts[r], totals[r], slots: slots);
            for (int f = 0; f < 8; f += 4) model.AppendClean(cache, randn(1, 4, config.LatentDim, generator: new Generator((ulong)(10 * r + f + 1))), f);
            return cache;
        }
        var alone = Enumerable.Range(0, 3).Select(r =>
        {
            using var cache = Open(r, null);
            return model.VelocityCached(cache, noisy.narrow(0, r, 1).narrow(1, 0, real[r]), times[r], 8);
        }).ToArray();

        using var slots = model.CreateContextSlots(5);
        var a = Open(0, slots);
        var hole = Open(1, slots);   // slot 1 stays taken, so the rows' slots are 0, 2, 3: gathered, not one view
        var b = Open(1, slots);
        var c = Open(2, slots);
        Assert.Equal([0, 2, 3], new[] { a.Slot, b.Slot, c.Slot });
        var together = model.AppendCleanAndVelocityCached([a, b, c], [null, null, null], noisy, times, [8, 8, 8], real);
        for (int r = 0; r < 3; r++)
        {
            var row = together.narrow(0, r, 1).narrow(1, 0, real[r]);
            Assert.True(row.allclose(alone[r], rtol: 1e-4, atol: 1e-5), $"row {r}: max difference {(row - alone[r]).abs().max().item<float>()}");
        }
        // The padding is not context: the short row's velocity does not move with what the padded frames hold.
        var changed = noisy.clone();
        changed.narrow(0, 1, 1).narrow(1, 2, 2).add_(3.0);
        var again = model.AppendCleanAndVelocityCached([a, b, c], [null, null, null], changed, times, [8, 8, 8], real);
        Assert.True(again.narrow(0, 1, 1).narrow(1, 0, 2).allclose(together.narrow(0, 1, 1).narrow(1, 0, 2), rtol: 1e-5, atol: 1e-6));

        Assert.Equal(1, slots.FreeSlotCount);
        foreach (var cache in new[] { a, hole, b, c }) cache.Dispose();
        Assert.Equal(5, slots.FreeSlotCount);
    }

    [Fact]
    public void A_noisy_block_may_not_start_inside_the_finished_block_it_follows()
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(4);
        using var model = ArditTestModels.Randomised(config);
        using var cache = model.StartContext(randint(0, config.VocabSize, [1, 5]), 12);
        var clean = randn(1, 4, config.LatentDim);
        var alone = Assert.Throws<ArgumentException>(() => model.AppendCleanAndVelocity(cache, clean, 0, randn(1, 4, config.LatentDim), 0.5, 2));
        Assert.StartsWith("The noisy block at frame 2 must follow the clean block ending at 4.", alone.Message, StringComparison.Ordinal);
        var batched = Assert.Throws<ArgumentException>(() => model.AppendCleanAndVelocityCached([cache], [clean], randn(1, 4, config.LatentDim), [0.5], [2]));
        Assert.StartsWith("Row 0: the noisy block at frame 2 must follow the clean block ending at 4.", batched.Message, StringComparison.Ordinal);
        Assert.Equal(0, cache.CleanFrames); // refused before anything was written
    }

    [Fact]
    public void Batched_rows_must_share_one_slot_storage()
    {
        using var scope = NewDisposeScope();
        var config = ArditTestModels.Tiny(4);
        using var model = ArditTestModels.Randomised(config);
        using var first = model.StartContext(randint(0, config.VocabSize, [1, 5]), 8);
        using var second = model.StartContext(randint(0, config.VocabSize, [1, 5]), 8);
        var error = Assert.Throws<ArgumentException>(() => model.AppendCleanAndVelocityCached([first, second], [null, null], randn(2, 4, config.LatentDim), [0.5, 0.5], [0, 0]));
        Assert.Contains("slot storage", error.Message);
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
