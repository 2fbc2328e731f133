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
    WeightStreaming Floor)
{
    public double KvCacheSpeedup => Uncached.Elapsed / Cached.Elapsed;

    public double BatchingSpeedup => OneByOne.Elapsed / Batched.Elapsed;
}

/// <summary>
/// One matrix product over as many weights as the decoder's projections hold, for 1 and for 8 input rows:
/// the time a decode step cannot beat when every weight must come from memory once per step.
/// </summary>
internal sealed record WeightStreaming(double Megabytes, TimeSpan OneRow, TimeSpan EightRows)
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
    public KvCacheBenchResult Run(Action<string> progress)
    {
        progress("building the model");
        torch.manual_seed(seed);
        using var model = new DecoderTransformer(config);
        model.to(device);
        model.eval();
        using var noGrad = no_grad();
        var prompts = Enumerable.Range(0, requests).Select(i => Prompt(seed + 1 + i)).ToArray();
        long parameters = model.parameters().Sum(p => p.numel());

        progress("warming up");
        int warmup = Math.Min(8, newTokens);
        GenerateCached(model, prompts[0], warmup);
        GenerateUncached(model, prompts[0], warmup);
        Serve(model, prompts.Take(2).ToArray(), warmup, batched: true);

        progress($"(a) {newTokens} tokens with the KV cache");
        var (cachedTime, cachedCpu, cachedTokens) = Time(() => GenerateCached(model, prompts[0], newTokens));
        progress($"(b) {newTokens} tokens with a full forward pass per token");
        var (uncachedTime, uncachedCpu, uncachedTokens) = Time(() => GenerateUncached(model, prompts[0], newTokens));
        progress($"(c) {requests} requests batched by the step scheduler");
        var (batchedTime, batchedCpu, batchedTokens) = Time(() => Serve(model, prompts, newTokens, batched: true));
        progress($"(d) the same {requests} requests one by one");
        var (serialTime, serialCpu, serialTokens) = Time(() => Serve(model, prompts, newTokens, batched: false));

        progress("weight-streaming floor");
        var floor = MeasureWeightStreaming(model);

        double cachedFlops = CachedFlops(newTokens);
        return new KvCacheBenchResult(
            new BenchRun("(a) KV cache", cachedTime, cachedCpu, newTokens, cachedFlops),
            new BenchRun("(b) no cache", uncachedTime, uncachedCpu, newTokens, UncachedFlops(newTokens)),
            new BenchRun($"(c) batched x{requests}", batchedTime, batchedCpu, requests * newTokens, requests * cachedFlops),
            new BenchRun($"(d) one by one x{requests}", serialTime, serialCpu, requests * newTokens, requests * cachedFlops),
            cachedTokens.SequenceEqual(uncachedTokens),
            batchedTokens.Zip(serialTokens).All(p => p.First.SequenceEqual(p.Second)),
            parameters,
            floor);
    }

    WeightStreaming MeasureWeightStreaming(DecoderTransformer model)
    {
        using var scope = NewDisposeScope();
        long projected = model.parameters().Where(p => p.dim() == 2).Sum(p => p.numel()) - (long)config.VocabSize * config.Dim; // all but tok_embeddings
        var weights = randn([projected / config.Dim, config.Dim], device: device);
        var rows = randn([8, config.Dim], device: device);
        TimeSpan Per(Tensor x)
        {
            using var inner = NewDisposeScope();
            nn.functional.linear(x, weights).sum().item<float>(); // warm, and wait for the device
            var watch = Stopwatch.StartNew();
            const int repeats = 20;
            for (int i = 0; i < repeats; i++)
            {
                using var step = NewDisposeScope();
                nn.functional.linear(x, weights).sum().item<float>();
            }
            return watch.Elapsed / repeats;
        }
        return new WeightStreaming(projected * 4 / 1e6, Per(rows[..1]), Per(rows));
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
