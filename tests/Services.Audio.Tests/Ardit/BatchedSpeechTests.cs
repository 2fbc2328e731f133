using Media.Modeling.Diffusion;
using Media.Modeling.Serving;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

/// <summary>
/// ARDiT on the shared step scheduler: requests stepped together (blocks of one block size in one forward pass over contexts
/// of different lengths in one slot storage, short last blocks padded) speak exactly what each speaks alone with its seed, and cancelling one leaves the others untouched.
/// </summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class BatchedSpeechTests
{
    static readonly FrontEndTextEncoder Text = FrontEndTextEncoder.Default;
    static readonly DurationPredictor Durations = new() { Weights = [2, 0.5, 0, 1] };

    static ArditModel Model(int blockSize) => ArditTestModels.Randomised(ArditTestModels.Tiny(blockSize) with { VocabSize = Text.VocabularySize, FrameRate = 25 });

    /// <summary>Three utterances of different texts, lengths (last blocks of 1, 2 and 3 frames), step counts and solvers.</summary>
    static readonly (string Text, int Frames, ArditSamplingOptions Sampling)[] Utterances =
    [
        ("Hello there.", 13, new() { Steps = 3, Seed = 1 }),
        ("A longer sentence, with more words.", 30, new() { Steps = 3, Seed = 2, Solver = FlowSolver.Adams2 }),
        ("Two cats.", 23, new() { Steps = 2, Seed = 3 }),
    ];

    /// <summary>Records the size of every batched step it passes on.</summary>
    sealed class CountingStepper(ArditBlockStepper inner) : IGroupStepper<ArditBlockRequest>
    {
        public List<int> GroupSizes { get; } = [];
        public void Admit(ArditBlockRequest request) => inner.Admit(request);
        public void Advance(IReadOnlyList<ArditBlockRequest> group)
        {
            GroupSizes.Add(group.Count);
            inner.Advance(group);
        }
        public void Release(ArditBlockRequest request) => inner.Release(request);
    }

    static float[] Flatten(Tensor latents) => latents.contiguous().cpu().data<float>().ToArray();

    static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"{what}, value {i}: {expected[i]} alone vs {actual[i]} batched");
    }

    static float[] Drain(ArditBlockRequest request)
    {
        var values = new List<float>();
        while (request.Blocks.TryRead(out var block))
            using (block)
                values.AddRange(Flatten(block.Latents));
        return [.. values];
    }

    [Fact]
    public async Task Requests_stepped_together_make_what_each_makes_alone_with_its_seed()
    {
        using var scope = NewDisposeScope();
        using var model = Model(4);
        var synthesizer = new ArditSynthesizer(model);
        var ids = Utterances.Select(u => Text.Encode(Text.Normalize(u.Text))).ToArray();
        var alone = Utterances.Select((u, i) => Flatten(synthesizer.Generate(ids[i], u.Frames, u.Sampling))).ToArray();

        using var slotted = new ArditBlockStepper(model, slots: 8);
        var stepper = new CountingStepper(slotted);
        using var scheduler = new GroupStepScheduler<ArditBlockRequest>(stepper, maxRunning: 8);
        var requests = Utterances.Select((u, i) => synthesizer.CreateRequest(ids[i], u.Frames, null, u.Sampling)).ToList();
        foreach (var request in requests) scheduler.Submit(request);
        while (scheduler.HasWork) scheduler.Step();

        // Every step is one forward pass of all that still run, the short last blocks (1 and 3 frames) padded into it: utterances
        // 0 and 2 take 12 steps (4 blocks of 3 steps, 6 of 2), utterance 1 another 12 alone (8 blocks of 3).
        Assert.Equal([.. Enumerable.Repeat(3, 12), .. Enumerable.Repeat(1, 12)], stepper.GroupSizes);
        for (int i = 0; i < requests.Count; i++)
        {
            Assert.Equal(RequestStatus.Completed, await requests[i].Completion);
            AssertClose(alone[i], Drain(requests[i]), $"utterance {i}");
        }
    }

    [Fact]
    public async Task Fill_in_the_middle_edits_stepped_with_plain_speech_make_what_each_makes_alone()
    {
        using var scope = NewDisposeScope();
        using var model = Model(4);
        var synthesizer = new ArditSynthesizer(model);
        var ids = Utterances.Select(u => Text.Encode(Text.Normalize(u.Text))).ToArray();
        manual_seed(11);
        // Utterance 0 edits frames 4..9 of 14 (a prefix of one block, a suffix of 5 frames, its own text placement); the others speak.
        var prefix = randn(4, model.Config.LatentDim);
        var suffix = randn(5, model.Config.LatentDim);
        double[] textFrames = [.. Enumerable.Range(0, ids[0].Length).Select(i => i * 13.0 / ids[0].Length)];
        var alone = new float[Utterances.Length][];
        alone[0] = [.. synthesizer.Blocks(ids[0], 14, prefix, Utterances[0].Sampling, textFrames: textFrames, suffix: suffix).SelectMany(b => { using (b) return Flatten(b.Latents); })];
        for (int i = 1; i < Utterances.Length; i++) alone[i] = Flatten(synthesizer.Generate(ids[i], Utterances[i].Frames, Utterances[i].Sampling));
        Assert.Equal(5 * model.Config.LatentDim, alone[0].Length);   // frames 4..8: a block, then one frame up to the suffix

        using var stepper = new ArditBlockStepper(model, slots: 8);
        using var scheduler = new GroupStepScheduler<ArditBlockRequest>(stepper, maxRunning: 8);
        var requests = Utterances.Select((u, i) => i == 0
            ? synthesizer.CreateRequest(ids[0], 14, prefix, u.Sampling, textFrames: textFrames, suffix: suffix)
            : synthesizer.CreateRequest(ids[i], u.Frames, null, u.Sampling)).ToList();
        foreach (var request in requests) scheduler.Submit(request);
        while (scheduler.HasWork) scheduler.Step();
        for (int i = 0; i < requests.Count; i++)
        {
            Assert.Equal(RequestStatus.Completed, await requests[i].Completion);
            AssertClose(alone[i], Drain(requests[i]), $"utterance {i}");
        }
    }

    [Fact]
    public async Task Cancelling_one_request_leaves_the_others_unchanged()
    {
        using var scope = NewDisposeScope();
        using var model = Model(4);
        var synthesizer = new ArditSynthesizer(model);
        var ids = Utterances.Select(u => Text.Encode(Text.Normalize(u.Text))).ToArray();
        var alone = Utterances.Select((u, i) => Flatten(synthesizer.Generate(ids[i], u.Frames, u.Sampling))).ToArray();

        using var stepper = new ArditBlockStepper(model, slots: 8);
        using var scheduler = new GroupStepScheduler<ArditBlockRequest>(stepper, maxRunning: 8);
        var requests = Utterances.Select((u, i) => synthesizer.CreateRequest(ids[i], u.Frames, null, u.Sampling)).ToList();
        foreach (var request in requests) scheduler.Submit(request);
        for (int step = 0; step < 4; step++) scheduler.Step();
        scheduler.Cancel(requests[1].Id);
        while (scheduler.HasWork) scheduler.Step();

        Assert.Equal(RequestStatus.Cancelled, await requests[1].Completion);
        var partial = Drain(requests[1]);
        Assert.True(requests[1].Blocks.Completion.IsCompleted);   // a reader's completion comes once it is drained
        Assert.InRange(partial.Length, 1, alone[1].Length - 1);   // it had finished a block or more, not all of them
        AssertClose(alone[1][..partial.Length], partial, "the cancelled utterance's blocks before it was cancelled");
        foreach (int i in new[] { 0, 2 })
        {
            Assert.Equal(RequestStatus.Completed, await requests[i].Completion);
            AssertClose(alone[i], Drain(requests[i]), $"utterance {i}");
        }
    }

    [Fact]
    public async Task Concurrent_streamed_speech_is_unchanged_by_batching_and_a_cancelled_call_stops_alone()
    {
        using var model = Model(4);
        var decoder = new OverlapAddTestDecoder(model.Config.LatentDim);
        var requests = Utterances.Select(u => new SpeechRequest { Text = u.Text, DurationSeconds = u.Frames / 25.0, Sampling = u.Sampling }).ToArray();
        var alone = new StreamingSpeechSynthesizer(model, Text, Durations, decoder);
        var expected = requests.Select(r => alone.Synthesize(r).Samples).ToArray();

        using var batched = new StreamingSpeechSynthesizer(model, Text, Durations, decoder);
        batched.StartBatching(8);
        using var cancel = new CancellationTokenSource();
        var streamed = requests.Select(_ => new List<float>()).ToArray();
        var calls = requests.Select((r, i) => Task.Run(() => batched.Synthesize(r, chunk =>
        {
            lock (streamed[i]) streamed[i].AddRange(chunk);
        }))).ToList();
        // A fourth, long call cancelled after its first chunk.
        int cancelledChunks = 0;
        var cancelled = Task.Run(() => batched.Synthesize(
            new SpeechRequest { Text = "a sentence that takes a while to say", DurationSeconds = 2.4, Sampling = new() { Steps = 3, Seed = 4 } },
            _ => { if (Interlocked.Increment(ref cancelledChunks) == 1) cancel.Cancel(); }, cancel.Token));

        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, cancelledChunks);
        for (int i = 0; i < requests.Length; i++)
        {
            AssertClose(expected[i], results[i].Samples, $"utterance {i}");
            Assert.Equal(results[i].Samples, streamed[i].ToArray());
        }
    }
}
