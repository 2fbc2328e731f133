using System.Diagnostics;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Bench;

/// <summary>One measured way of generating: wall time, tokens produced, matmul work done.</summary>
internal sealed record BenchRun(string Name, TimeSpan Elapsed, TimeSpan Cpu, int Tokens, double MatmulFlops)
{
    public double TokensPerSecond => Tokens / Elapsed.TotalSeconds;

    public double GigaflopsPerSecond => MatmulFlops / Elapsed.TotalSeconds / 1e9;
}

/// <summary>What the KV-cache benchmark measured, side by side in one process.</summary>
internal sealed record KvCacheBenchResult(
    BenchRun Cached, BenchRun Uncached, BenchRun Batched, BenchRun OneByOne, bool CachedMatchesUncached, bool BatchedMatchesOneByOne, long Parameters,
    WeightStreaming Floor, IReadOnlyList<SchedulerOverhead> Overheads, double MatmulPeakGigaflops, PrecisionRuns Precision)
{
    /// <summary>The weight-streaming floor of one token over a cached decode step (batch 1, measured alternately): 1 = at the floor.</summary>
    public double FractionOfFloor => Floor.OneRow / Floor.DecodeStep;

    /// <summary>The same by this process's CPU time (what other tenants of a shared machine do not inflate).</summary>
    public double FractionOfFloorByCpu => Floor.OneRowCpu / Floor.DecodeStepCpu;

    public double KvCacheSpeedup => Uncached.Elapsed / Cached.Elapsed;

    public double BatchingSpeedup => OneByOne.Elapsed / Batched.Elapsed;
}

/// <summary>
/// The same batch of greedy requests decoded by a bare loop (one cached pass, one readout, one argmax and one host copy
/// per step) and through the <see cref="StepScheduler"/>, summed over alternating rounds.
/// </summary>
internal sealed record SchedulerOverhead(int Batch, BenchRun Bare, BenchRun Scheduled, bool SameTokens)
{
    /// <summary>Extra wall time of the scheduled decode over the bare one (0.1 = 10%).</summary>
    public double Overhead => Scheduled.Elapsed / Bare.Elapsed - 1;

    /// <summary>The same by this process's CPU time.</summary>
    public double CpuOverhead => Scheduled.Cpu / Bare.Cpu - 1;
}

/// <summary>The cached decode at batch 1 and the bare batched decode in float32 and in bfloat16, alternated.</summary>
internal sealed record PrecisionRuns(BenchRun Float32One, BenchRun BFloat16One, BenchRun Float32Batch, BenchRun BFloat16Batch, double TokenAgreement);

/// <summary>
/// One matrix product over as many weights as the decoder's projections hold, for 1 and for 8 input rows: the time a
/// decode step cannot beat when every weight must come from memory once per step. Against it, the time of one cached
/// decode step at batch 1 (after the prefill: time per output token), the two measured in alternating rounds so that
/// the memory bandwidth a shared machine gives the process changes both alike.
/// </summary>
internal sealed record WeightStreaming(double Megabytes, TimeSpan OneRow, TimeSpan EightRows, TimeSpan OneRowCpu, TimeSpan DecodeStep, TimeSpan DecodeStepCpu, int Rounds)
{
    public double GigabytesPerSecond => Megabytes / 1e3 / OneRow.TotalSeconds;
}

/// <summary>
/// Greedy generation with a randomly initialised, seeded decoder: (a) with the KV cache, (b) by a full forward
/// pass over the whole sequence per token, (c) several requests batched by the step scheduler, (d) the same
/// requests served one at a time.
/// </summary>
internal sealed class KvCacheBenchmark(TransformerConfig config, int promptLength, int newTokens, int requests, int seed, Device device)
{
    /// <summary>Batch sizes of the scheduler-overhead comparison.</summary>
    public static readonly int[] OverheadBatches = [8, 16];

    public KvCacheBenchResult Run(Action<string> progress, int rounds = 2)
    {
        progress("building the model");
        torch.manual_seed(seed);
        using var model = new DecoderTransformer(config);
        model.to(device);
        model.eval();
        using var noGrad = no_grad();
        int most = Math.Max(requests, OverheadBatches.Max());
        var prompts = Enumerable.Range(0, most).Select(i => Prompt(seed + 1 + i)).ToArray();
        long parameters = model.parameters().Sum(p => p.numel());

        progress("warming up");
        int warmup = Math.Min(8, newTokens);
        GenerateCached(model, prompts[0], warmup);
        GenerateUncached(model, prompts[0], warmup);
        Serve(model, prompts.Take(2).ToArray(), warmup, batched: true);
        foreach (int b in OverheadBatches)
        {
            DecodeBare(model, prompts.Take(b).ToArray(), warmup);
            Serve(model, prompts.Take(b).ToArray(), warmup, batched: true);
        }

        progress($"(a) {newTokens} tokens with the KV cache");
        var (cachedTime, cachedCpu, cachedTokens) = Time(() => GenerateCached(model, prompts[0], newTokens));
        progress($"(b) {newTokens} tokens with a full forward pass per token");
        var (uncachedTime, uncachedCpu, uncachedTokens) = Time(() => GenerateUncached(model, prompts[0], newTokens));
        var batch = prompts.Take(requests).ToArray();
        progress($"(c) {requests} requests batched by the step scheduler");
        var (batchedTime, batchedCpu, batchedTokens) = Time(() => Serve(model, batch, newTokens, batched: true));
        progress($"(d) the same {requests} requests one by one");
        var (serialTime, serialCpu, serialTokens) = Time(() => Serve(model, batch, newTokens, batched: false));

        double cachedFlops = CachedFlops(newTokens);
        var overheads = new List<SchedulerOverhead>();
        var sums = OverheadBatches.ToDictionary(b => b, _ => (Bare: (TimeSpan.Zero, TimeSpan.Zero), Scheduled: (TimeSpan.Zero, TimeSpan.Zero), Same: true));
        // Alternate bare and scheduled decodes, batch by batch, so load changes on a shared machine hit both alike.
        for (int round = 0; round < rounds; round++)
            foreach (int b in OverheadBatches)
            {
                var these = prompts.Take(b).ToArray();
                progress($"round {round + 1}/{rounds}: batch {b}, bare decode and through the step scheduler");
                // Odd rounds run the scheduler first, so neither side always gets the warmer (or quieter) slot.
                (TimeSpan, TimeSpan, List<IReadOnlyList<long>>) bare = default, scheduled = default;
                if (round % 2 == 1) scheduled = Time(() => Serve(model, these, newTokens, batched: true));
                bare = Time(() => DecodeBare(model, these, newTokens));
                if (round % 2 == 0) scheduled = Time(() => Serve(model, these, newTokens, batched: true));
                var (bareWall, bareCpu, bareTokens) = bare;
                var (schedWall, schedCpu, schedTokens) = scheduled;
                var sum = sums[b];
                sums[b] = ((sum.Bare.Item1 + bareWall, sum.Bare.Item2 + bareCpu), (sum.Scheduled.Item1 + schedWall, sum.Scheduled.Item2 + schedCpu),
                    sum.Same && bareTokens.Zip(schedTokens!).All(p => p.First.SequenceEqual(p.Second)));
            }
        foreach (int b in OverheadBatches)
        {
            var sum = sums[b];
            int tokens = rounds * b * newTokens;
            overheads.Add(new SchedulerOverhead(b,
                new BenchRun($"bare x{b}", sum.Bare.Item1, sum.Bare.Item2, tokens, rounds * b * cachedFlops),
                new BenchRun($"scheduled x{b}", sum.Scheduled.Item1, sum.Scheduled.Item2, tokens, rounds * b * cachedFlops),
                sum.Same));
        }

        progress("float32 against bfloat16");
        var precision = ComparePrecision(model, prompts.Take(OverheadBatches.Max()).ToArray(), cachedFlops);

        progress("weight-streaming floor against cached decode steps, and matmul peak");
        var floor = MeasureWeightStreaming(model, prompts[0], 2 * rounds);
        double peak = MeasureMatmulPeak();

        return new KvCacheBenchResult(
            new BenchRun("(a) KV cache", cachedTime, cachedCpu, newTokens, cachedFlops),
            new BenchRun("(b) no cache", uncachedTime, uncachedCpu, newTokens, UncachedFlops(newTokens)),
            new BenchRun($"(c) batched x{requests}", batchedTime, batchedCpu, requests * newTokens, requests * cachedFlops),
            new BenchRun($"(d) one by one x{requests}", serialTime, serialCpu, requests * newTokens, requests * cachedFlops),
            cachedTokens.SequenceEqual(uncachedTokens),
            batchedTokens.Zip(serialTokens).All(p => p.First.SequenceEqual(p.Second)),
            parameters,
            floor,
            overheads,
            peak,
            precision);
    }

    /// <summary>
    /// The same weights in bfloat16 (weights and KV cache), against float32: batch-1 cached decode and the bare decode at the
    /// largest overhead batch, alternated. Also how many greedy tokens the two precisions agree on (they drift apart once one differs).
    /// </summary>
    PrecisionRuns ComparePrecision(DecoderTransformer model, long[][] prompts, double cachedFlops)
    {
        torch.manual_seed(seed);
        using var half = new DecoderTransformer(config);
        half.load_state_dict(model.state_dict());
        half.to(device).to(ScalarType.BFloat16);
        half.eval();
        GenerateCached(half, prompts[0], Math.Min(8, newTokens));
        var (f1Wall, f1Cpu, f1Tokens) = Time(() => GenerateCached(model, prompts[0], newTokens));
        var (b1Wall, b1Cpu, b1Tokens) = Time(() => GenerateCached(half, prompts[0], newTokens));
        var (fbWall, fbCpu, _) = Time(() => DecodeBare(model, prompts, newTokens));
        var (bbWall, bbCpu, _) = Time(() => DecodeBare(half, prompts, newTokens));
        int agree = f1Tokens.Zip(b1Tokens).TakeWhile(p => p.First == p.Second).Count();
        int b = prompts.Length;
        return new PrecisionRuns(
            new BenchRun("float32 batch 1", f1Wall, f1Cpu, newTokens, cachedFlops),
            new BenchRun("bfloat16 batch 1", b1Wall, b1Cpu, newTokens, cachedFlops),
            new BenchRun($"float32 bare x{b}", fbWall, fbCpu, b * newTokens, b * cachedFlops),
            new BenchRun($"bfloat16 bare x{b}", bbWall, bbCpu, b * newTokens, b * cachedFlops),
            (double)agree / newTokens);
    }

    /// <summary>The best rate of one large float32 matrix product (1024 x 1024 by 1024 x 1024) on this device: the compute ceiling.</summary>
    double MeasureMatmulPeak()
    {
        using var scope = NewDisposeScope();
        const int n = 1024;
        var a = randn([n, n], device: device);
        var b = randn([n, n], device: device);
        matmul(a, b).sum().item<float>();
        var best = TimeSpan.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            using var inner = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            matmul(a, b).sum().item<float>();
            if (watch.Elapsed < best) best = watch.Elapsed;
        }
        return 2.0 * n * n * n / best.TotalSeconds / 1e9;
    }

    /// <summary>
    /// Greedy decoding of all prompts at once without a scheduler: one prefill pass, then per step one cached pass, one
    /// readout, one argmax and one copy of the tokens to the host. What the scheduler's overhead is measured against.
    /// </summary>
    List<IReadOnlyList<long>> DecodeBare(DecoderTransformer model, long[][] prompts, int count)
    {
        int b = prompts.Length;
        using var cache = model.CreateCache(b, promptLength + count);
        var slots = cache.Allocate(b).Slots;
        var tokens = Enumerable.Range(0, b).Select(_ => new List<long>(count)).ToArray();
        long[] next;
        using (var scope = NewDisposeScope())
        {
            var ids = tensor(prompts.SelectMany(p => p).ToArray(), [b, promptLength], device: device);
            var hidden = model.HiddenCached(model.Embed(ids), cache, slots).select(1, -1);
            next = model.Logits(hidden).argmax(-1).cpu().data<long>().ToArray();
        }
        for (int step = 0; ; step++)
        {
            for (int r = 0; r < b; r++) tokens[r].Add(next[r]);
            if (step == count - 1) break;
            using var scope = NewDisposeScope();
            var hidden = model.HiddenCached(model.Embed(tensor(next, [b, 1], device: device)), cache, slots).select(1, 0);
            next = model.Logits(hidden).argmax(-1).cpu().data<long>().ToArray();
        }
        return [.. tokens];
    }

    WeightStreaming MeasureWeightStreaming(DecoderTransformer model, long[] prompt, int rounds)
    {
        using var scope = NewDisposeScope();
        long projected = model.parameters().Where(p => p.dim() == 2).Sum(p => p.numel()) - (long)config.VocabSize * config.Dim; // all but tok_embeddings
        var weights = randn([projected / config.Dim, config.Dim], device: device);
        var rows = randn([8, config.Dim], device: device);
        const int repeats = 10;
        (TimeSpan Wall, TimeSpan Cpu) Per(Tensor x)
        {
            using var inner = NewDisposeScope();
            nn.functional.linear(x, weights).sum().item<float>(); // warm, and wait for the device
            var (wall, cpu, _) = Time(() =>
            {
                for (int i = 0; i < repeats; i++)
                {
                    using var step = NewDisposeScope();
                    nn.functional.linear(x, weights).sum().item<float>();
                }
                return 0;
            });
            return (wall / repeats, cpu / repeats);
        }
        var (floorWall, floorCpu, stepWall, stepCpu) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        for (int round = 0; round < rounds; round++)
        {
            // Odd rounds decode first, so neither side always follows the other.
            (TimeSpan Wall, TimeSpan Cpu) decode = default, one = default;
            if (round % 2 == 1) decode = TimeDecodeSteps(model, prompt, newTokens);
            one = Per(rows[..1]);
            if (round % 2 == 0) decode = TimeDecodeSteps(model, prompt, newTokens);
            (floorWall, floorCpu, stepWall, stepCpu) = (floorWall + one.Wall, floorCpu + one.Cpu, stepWall + decode.Wall, stepCpu + decode.Cpu);
        }
        return new WeightStreaming(projected * 4 / 1e6, floorWall / rounds, Per(rows).Wall, floorCpu / rounds, stepWall / rounds, stepCpu / rounds, rounds);
    }

    /// <summary>Wall and CPU time of one cached decode step at batch 1, averaged over <paramref name="count"/> steps after the prefill.</summary>
    (TimeSpan Wall, TimeSpan Cpu) TimeDecodeSteps(DecoderTransformer model, long[] prompt, int count)
    {
        using var cache = model.CreateCache(1, promptLength + count);
        var slot = cache.Allocate().Slots;
        long next;
        using (var scope = NewDisposeScope())
        {
            var hidden = model.HiddenCached(model.Embed(tensor(prompt, device: device).unsqueeze(0)), cache, slot);
            next = model.Logits(hidden[0, -1]).argmax().item<long>();
        }
        var (wall, cpu, _) = Time(() =>
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                var logits = model.ForwardCached(model.Embed(full(1, 1, next, ScalarType.Int64, device)), cache, slot);
                next = logits[0, 0].argmax().item<long>();
            }
            return 0;
        });
        return (wall / count, cpu / count);
    }

    long[] Prompt(int promptSeed)
    {
        var g = new Generator((ulong)promptSeed);
        using var ids = randint(0, config.VocabSize, [promptLength], generator: g, dtype: ScalarType.Int64);
        return ids.data<long>().ToArray();
    }

    /// <summary>Wall time, and this process's CPU time (which other tenants of a shared machine do not inflate).</summary>
    static (TimeSpan Wall, TimeSpan Cpu, T Result) Time<T>(Func<T> run)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var result = run();
        var wall = watch.Elapsed;
        process.Refresh();
        return (wall, process.TotalProcessorTime - cpu, result);
    }

    /// <summary>Prefill once, then one cached decode step per token.</summary>
    List<long> GenerateCached(DecoderTransformer model, long[] prompt, int count)
    {
        using var cache = model.CreateCache(1, promptLength + count);
        var slot = cache.Allocate().Slots;
        var tokens = new List<long>();
        using (var scope = NewDisposeScope())
        {
            var hidden = model.HiddenCached(model.Embed(tensor(prompt, device: device).unsqueeze(0)), cache, slot);
            tokens.Add(model.Logits(hidden[0, -1]).argmax().item<long>());
        }
        while (tokens.Count < count)
        {
            using var scope = NewDisposeScope();
            var logits = model.ForwardCached(model.Embed(full(1, 1, tokens[^1], ScalarType.Int64, device)), cache, slot);
            tokens.Add(logits[0, 0].argmax().item<long>());
        }
        return tokens;
    }

    /// <summary>The baseline without a cache: the whole sequence goes through the model for every new token.</summary>
    List<long> GenerateUncached(DecoderTransformer model, long[] prompt, int count)
    {
        var sequence = prompt.ToList();
        var tokens = new List<long>();
        while (tokens.Count < count)
        {
            using var scope = NewDisposeScope();
            var hidden = model.HiddenFull(model.Embed(tensor(sequence.ToArray(), device: device).unsqueeze(0)));
            long next = model.Logits(hidden[0, -1]).argmax().item<long>();
            tokens.Add(next);
            sequence.Add(next);
        }
        return tokens;
    }

    List<IReadOnlyList<long>> Serve(DecoderTransformer model, long[][] prompts, int count, bool batched)
    {
        int slots = batched ? prompts.Length : 1;
        using var cache = model.CreateCache(slots, promptLength + count);
        using var scheduler = new StepScheduler(model, cache, tokenBudget: Math.Max(slots, prompts.Length * promptLength));
        var requests = prompts.Select(p => new TokenRequest(p, count)).ToList();
        if (batched)
        {
            foreach (var r in requests) scheduler.Submit(r);
            while (scheduler.HasWork) scheduler.Step();
        }
        else
        {
            foreach (var r in requests)
            {
                scheduler.Submit(r);
                while (scheduler.HasWork) scheduler.Step();
            }
        }
        return requests.Select(r => r.Tokens).ToList();
    }

    // Matmul FLOPs (2 per multiply-add) of one position through every layer's projections.
    double LinearFlopsPerPosition =>
        2.0 * config.NLayer * ((double)config.Dim * (config.NHead + 2 * config.NKvHead) * config.HeadDim
                               + (double)config.Dim * config.Dim
                               + 3.0 * config.Dim * config.FeedForwardHidden);

    // Scores q.k and the weighted sum of values for a query that sees `keys` positions, all layers.
    double AttentionFlops(long keys) => 2.0 * 2.0 * config.NLayer * config.NHead * config.HeadDim * keys;

    double OutputFlops => 2.0 * config.Dim * config.VocabSize;

    /// <summary>Cached: every position is processed once; logits come out once per new token.</summary>
    double CachedFlops(int count)
    {
        double flops = 0;
        for (long p = 0; p < promptLength + count - 1; p++) flops += LinearFlopsPerPosition + AttentionFlops(p + 1);
        return flops + count * OutputFlops;
    }

    /// <summary>Uncached: token k re-processes the whole sequence of prompt + k positions (causal attention).</summary>
    double UncachedFlops(int count)
    {
        double flops = 0;
        for (int k = 0; k < count; k++)
        {
            long length = promptLength + k;
            flops += length * LinearFlopsPerPosition + AttentionFlops(length * (length + 1) / 2) + OutputFlops;
        }
        return flops;
    }
}
