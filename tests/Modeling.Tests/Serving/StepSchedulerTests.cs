using Media.Modeling.Sampling;
using Media.Modeling.Serving;
using Media.Modeling.Tests.Transformers;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Serving;

public sealed class StepSchedulerTests : IDisposable
{
    readonly DecoderTransformer model = TinyDecoder.Create(TinyDecoder.Config(maxSeqLen: 48), seed: 5);

    public void Dispose() => model.Dispose();

    /// <summary>Greedy decoding of one request alone, by full forward passes without any cache: the reference.</summary>
    long[] Alone(long[] prompt, int count, long[]? unconditional = null, double scale = 1)
    {
        using var noGrad = no_grad();
        var cond = prompt.ToList();
        var uncond = unconditional?.ToList();
        var result = new List<long>();
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var c = model.forward(tensor(cond.ToArray()).unsqueeze(0))[0, -1];
            var guided = c;
            if (uncond is not null)
            {
                var u = model.forward(tensor(uncond.ToArray()).unsqueeze(0))[0, -1];
                guided = u + (c - u) * scale;
            }
            long token = guided.argmax().item<long>();
            result.Add(token);
            cond.Add(token);
            uncond?.Add(token);
        }
        return [.. result];
    }

    static long[] Prompt(int length, int seed) => TinyDecoder.RandomTokens(1, length, 50, seed).reshape(-1).data<long>().ToArray();

    static List<StepReport> RunToEnd(StepScheduler scheduler)
    {
        var reports = new List<StepReport>();
        while (scheduler.HasWork) reports.Add(scheduler.Step());
        return reports;
    }

    [Fact]
    public async Task Requests_submitted_while_others_run_join_at_a_step_boundary_and_each_equals_decoding_alone()
    {
        using var cache = model.CreateCache(slots: 4, maxLength: 40);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 8);
        long[] pa = Prompt(5, 31), pb = Prompt(11, 32), pc = Prompt(3, 33), pd = Prompt(4, 34), ud = Prompt(4, 35);
        var a = new TokenRequest(pa, 10);
        var b = new TokenRequest(pb, 6);
        scheduler.Submit(a);
        scheduler.Submit(b);
        var reports = new List<StepReport> { scheduler.Step(), scheduler.Step(), scheduler.Step() };
        Assert.Equal(new[] { a.Id, b.Id }, reports[0].Joined);
        Assert.True(a.Tokens.Count > 0, "A decodes while the next ones arrive");

        var c = new TokenRequest(pc, 8);
        var d = new TokenRequest(pd, 5, unconditionalPrompt: ud, guidanceScale: 3.0); // a CFG pair: two slots, one unit
        scheduler.Submit(c);
        scheduler.Submit(d);
        var next = scheduler.Step();
        Assert.Equal(new[] { c.Id }, next.Joined); // C takes the third slot; the pair needs two and waits
        Assert.Equal(1, cache.FreeSlotCount);
        reports.Add(next);
        reports.AddRange(RunToEnd(scheduler));

        var joinedD = reports.First(r => r.Joined.Contains(d.Id));
        Assert.Contains(reports.TakeWhile(r => r != joinedD), r => r.Finished.Count > 0); // it joined after someone retired
        Assert.All(reports, r => Assert.True(r.Tokens <= 8, $"step {r.Step} processed {r.Tokens} tokens"));
        foreach (var r in new GenerationRequest[] { a, b, c, d }) Assert.Equal(RequestStatus.Completed, await r.Completion);
        Assert.Equal(Alone(pa, 10), a.Tokens);
        Assert.Equal(Alone(pb, 6), b.Tokens);
        Assert.Equal(Alone(pc, 8), c.Tokens);
        Assert.Equal(Alone(pd, 5, ud, 3.0), d.Tokens);
        Assert.Equal(4, cache.FreeSlotCount);
    }

    [Fact]
    public void The_token_budget_bounds_every_step_and_long_prompts_are_prefilled_in_chunks()
    {
        using var cache = model.CreateCache(slots: 2, maxLength: 40);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 4);
        long[] pa = Prompt(10, 41), pb = Prompt(7, 42);
        var a = new TokenRequest(pa, 5);
        var b = new TokenRequest(pb, 5);
        scheduler.Submit(a);
        scheduler.Submit(b);
        var reports = RunToEnd(scheduler);
        Assert.All(reports, r => Assert.True(r.Tokens <= 4, $"step {r.Step} processed {r.Tokens} tokens"));
        // A's 10 prompt tokens take 4 + 4 + 2; B joins with the 2 left over in step 3, then A decodes while B prefills.
        Assert.Equal(new[] { 4, 4, 4, 3 }, reports.Take(4).Select(r => r.PrefillTokens));
        Assert.Equal(new[] { 0, 0, 0, 1 }, reports.Take(4).Select(r => r.DecodeRows));
        Assert.Equal(new[] { b.Id }, reports[2].Joined);
        Assert.Equal(pa.Length + pb.Length, reports.Sum(r => r.PrefillTokens));
        Assert.Equal(Alone(pa, 5), a.Tokens);
        Assert.Equal(Alone(pb, 5), b.Tokens);
    }

    [Fact]
    public async Task Cancellation_stops_a_request_at_the_next_step_and_frees_its_slots()
    {
        using var cache = model.CreateCache(slots: 3, maxLength: 40);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 16);
        long[] pa = Prompt(4, 51), pb = Prompt(6, 52), ua = Prompt(4, 53);
        var a = new TokenRequest(pa, 30, unconditionalPrompt: ua, guidanceScale: 2.0);
        var b = new TokenRequest(pb, 12);
        scheduler.Submit(a);
        scheduler.Submit(b);
        for (int i = 0; i < 4; i++) scheduler.Step();
        Assert.Equal(0, cache.FreeSlotCount);
        int before = a.Tokens.Count;

        scheduler.Cancel(a.Id);
        Assert.False(a.Completion.IsCompleted); // only at the step boundary
        var report = scheduler.Step();
        Assert.Equal(new[] { a.Id }, report.Cancelled);
        Assert.Equal(RequestStatus.Cancelled, await a.Completion);
        Assert.Equal(before, a.Tokens.Count);
        Assert.Equal(2, cache.FreeSlotCount); // both rows of the pair came back
        Assert.Equal(1, report.DecodeRows);   // only B stepped

        RunToEnd(scheduler);
        Assert.Equal(before, a.Tokens.Count);
        Assert.Equal(Alone(pb, 12), b.Tokens);
        Assert.Equal(3, cache.FreeSlotCount);
    }

    [Fact]
    public async Task A_waiting_request_can_be_cancelled_before_it_ever_holds_a_slot()
    {
        using var cache = model.CreateCache(slots: 1, maxLength: 40);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 8);
        var a = new TokenRequest(Prompt(3, 54), 4);
        var b = new TokenRequest(Prompt(3, 55), 4);
        scheduler.Submit(a);
        scheduler.Submit(b);
        scheduler.Step();
        scheduler.Cancel(b.Id);
        Assert.Equal(new[] { b.Id }, scheduler.Step().Cancelled);
        RunToEnd(scheduler);
        Assert.Equal(RequestStatus.Cancelled, await b.Completion);
        Assert.Empty(b.Tokens);
        Assert.Equal(RequestStatus.Completed, await a.Completion);
    }

    [Fact]
    public async Task The_background_loop_serves_requests_submitted_from_many_threads()
    {
        using var cache = model.CreateCache(slots: 3, maxLength: 40);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 8);
        using var stop = new CancellationTokenSource();
        var loop = scheduler.RunAsync(stop.Token);
        var prompts = Enumerable.Range(0, 6).Select(i => Prompt(3 + i, 60 + i)).ToArray();
        var requests = new TokenRequest[prompts.Length];
        await Task.WhenAll(Enumerable.Range(0, prompts.Length).Select(i => Task.Run(() =>
        {
            requests[i] = new TokenRequest(prompts[i], 6);
            scheduler.Submit(requests[i]);
        })));
        var all = Task.WhenAll(requests.Select(r => r.Completion));
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(1))));
        await stop.CancelAsync();
        await loop;
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(Alone(prompts[i], 6), requests[i].Tokens);
        Assert.Equal(3, cache.FreeSlotCount);
    }

    [Fact]
    public async Task A_request_that_throws_fails_alone_and_frees_its_slot()
    {
        using var cache = model.CreateCache(slots: 2, maxLength: 40);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 8);
        var bad = new TokenRequest(Prompt(3, 71), 5, pick: _ => throw new InvalidOperationException("sampler broke"));
        var good = new TokenRequest(Prompt(3, 72), 5);
        scheduler.Submit(bad);
        scheduler.Submit(good);
        var reports = RunToEnd(scheduler);
        Assert.Contains(reports, r => r.Failed.Contains(bad.Id));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bad.Completion);
        Assert.Equal("sampler broke", error.Message);
        Assert.Equal(RequestStatus.Completed, await good.Completion);
        Assert.Equal(2, cache.FreeSlotCount);
    }

    [Fact]
    public void Requests_and_budgets_that_cannot_fit_are_rejected_with_clear_messages()
    {
        using var cache = model.CreateCache(slots: 2, maxLength: 10);
        var ex = Assert.Throws<ArgumentException>(() => new StepScheduler(model, cache, tokenBudget: 1));
        Assert.Contains("must cover one decode token", ex.Message, StringComparison.Ordinal);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: 4);
        ex = Assert.Throws<ArgumentException>(() => scheduler.Submit(new TokenRequest(Prompt(6, 73), 6)));
        Assert.Contains("needs 11 cache positions", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TokenRequest(Prompt(3, 74), 2, unconditionalPrompt: Prompt(2, 75)));
    }

    /// <summary>A sampled token request (temperature, top-k, top-p, its own seed), optionally a CFG pair.</summary>
    sealed class SampledTokens(long[] prompt, int count, SamplingParameters parameters, long[]? unconditional = null, double scale = 1)
        : SampledRequest, IDisposable
    {
        readonly SamplingState state = new(parameters);
        public List<long> Picked { get; } = [];
        public override TokenHead Head => TokenHead.Vocabulary;
        public override SamplingState Sampling => state;
        public override double GuidanceScale => scale;
        public override IReadOnlyList<long> LastTokens => [Picked[^1]];
        public override void AcceptTokens(long[] tokens) => Picked.Add(tokens[0]);
        public override int Rows => unconditional is null ? 1 : 2;
        public override int PromptLength => prompt.Length;
        public override int MaxNewTokens => count;
        public override bool IsDone => Picked.Count >= count;
        public override Tensor PromptEmbeddings(DecoderTransformer model, int start, int length)
        {
            var rows = unconditional is null ? new[] { prompt } : [prompt, unconditional];
            return model.Embed(tensor(rows.SelectMany(p => p.Skip(start).Take(length)).ToArray(), [Rows, length]));
        }
        public void Dispose() => state.Dispose();
    }

    static SampledTokens[] SampledRequests() =>
    [
        new(Prompt(5, 81), 9, new SamplingParameters { Temperature = 1.2, TopK = 10, Seed = 1 }),
        new(Prompt(7, 82), 7, new SamplingParameters { Temperature = 0.8, TopK = 20, TopP = 0.9, Seed = 2 }, Prompt(7, 83), 2.5),
        new(Prompt(3, 84), 8, new SamplingParameters { Temperature = 1.0, TopP = 0.7, Seed = 3 }),
        new(Prompt(4, 85), 6, SamplingParameters.Greedy, Prompt(4, 86), 1.5),
    ];

    [Fact]
    public void Sampled_requests_batched_in_one_readout_and_one_sampler_call_draw_what_each_draws_alone()
    {
        // Alone: each request in a scheduler of its own, so its readout, guidance and draws are its own.
        var alone = SampledRequests();
        foreach (var request in alone)
        {
            using var cache = model.CreateCache(slots: 2, maxLength: 40);
            using var scheduler = new StepScheduler(model, cache, tokenBudget: 16);
            scheduler.Submit(request);
            RunToEnd(scheduler);
        }
        // Together: all four (two CFG pairs) share each step's readout and sampler call; the last joins while the others decode.
        var together = SampledRequests();
        using (var cache = model.CreateCache(slots: 6, maxLength: 40))
        using (var scheduler = new StepScheduler(model, cache, tokenBudget: 24))
        {
            foreach (var request in together[..3]) scheduler.Submit(request);
            scheduler.Step();
            scheduler.Step();
            scheduler.Submit(together[3]);
            var reports = RunToEnd(scheduler);
            Assert.Contains(reports, r => r.DecodeRows > 0 && r.PrefillTokens > 0); // a prefill chunk rode with the decodes
        }
        for (int i = 0; i < alone.Length; i++)
        {
            Assert.Equal(alone[i].MaxNewTokens, together[i].Picked.Count);
            Assert.Equal(alone[i].Picked, together[i].Picked);
        }
        foreach (var r in alone.Concat(together)) r.Dispose();
    }
}
