using System.Collections.Concurrent;
using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// Iteration-level batching in the style of Sarathi-Serve over one model and one <see cref="KvCache"/>.
/// Each step has a token budget: every running sequence first decodes one token (all of them in one batched
/// pass, each row at its own position), and what is left of the budget goes to prompt chunks of the requests
/// still prefilling, oldest first, admitting waiting requests while cache slots are free (chunked prefill).
/// Finished requests retire at the end of the step and free their slots. Submission and cancellation are
/// thread-safe and take effect at the next step boundary; <see cref="Step"/> itself runs on one thread.
/// </summary>
public sealed class StepScheduler : IDisposable
{
    readonly DecoderTransformer model;
    readonly KvCache cache;
    readonly ConcurrentQueue<GenerationRequest> submitted = new();
    readonly ConcurrentDictionary<Guid, bool> cancellations = new();
    readonly List<GenerationRequest> waiting = [];
    readonly List<GenerationRequest> running = [];
    readonly SemaphoreSlim wake = new(0);
    readonly Lock stepGate = new();
    long steps;

    /// <summary>Serves <paramref name="model"/> from <paramref name="cache"/> with at most <paramref name="tokenBudget"/> positions per step.</summary>
    public StepScheduler(DecoderTransformer model, KvCache cache, int tokenBudget)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        if (tokenBudget < cache.SlotCount)
            throw new ArgumentException(
                $"The token budget {tokenBudget} must cover one decode token for each of the {cache.SlotCount} cache slots.", nameof(tokenBudget));
        this.model = model;
        this.cache = cache;
        TokenBudget = tokenBudget;
    }

    /// <summary>Most token positions one step processes (decode rows plus prefill tokens).</summary>
    public int TokenBudget { get; }

    /// <summary>Requests holding cache slots (prefilling or decoding), as of the last step.</summary>
    public int RunningCount => running.Count;

    /// <summary>True while anything is submitted, waiting, running or to be cancelled.</summary>
    public bool HasWork => !submitted.IsEmpty || !cancellations.IsEmpty || waiting.Count > 0 || running.Count > 0;

    /// <summary>Queues a request; it joins the batch at a step boundary once a slot and budget are free.</summary>
    public void Submit(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Rows <= 0 || request.Rows > cache.SlotCount)
            throw new ArgumentException($"The request needs {request.Rows} cache rows; the cache has {cache.SlotCount} slots.", nameof(request));
        if (request.PromptLength <= 0) throw new ArgumentException("The request has an empty prompt.", nameof(request));
        if (request.MaxNewTokens <= 0) throw new ArgumentException("The request asks for no new tokens.", nameof(request));
        if (request.CachePositions > cache.MaxLength)
            throw new ArgumentException(
                $"The request needs {request.CachePositions} cache positions (prompt {request.PromptLength} + {request.MaxNewTokens} new - 1); a slot holds {cache.MaxLength}.",
                nameof(request));
        submitted.Enqueue(request);
        wake.Release();
    }

    /// <summary>Stops the request with this id at the next step and frees its slots; unknown ids are ignored.</summary>
    public void Cancel(Guid id)
    {
        cancellations[id] = true;
        wake.Release();
    }

    /// <summary>Runs one iteration: admit, cancel, decode every running sequence, prefill chunks within the budget, retire.</summary>
    public StepReport Step()
    {
        if (!stepGate.TryEnter()) throw new InvalidOperationException("Step is already running on another thread.");
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var joined = new List<Guid>();
            var finished = new List<Guid>();
            var cancelled = new List<Guid>();
            var failed = new List<Guid>();

            while (submitted.TryDequeue(out var request)) waiting.Add(request);
            ApplyCancellations(cancelled);

            int budget = TokenBudget;
            var decoders = running.Where(r => r.PrefillDone).ToList();
            int decodeRows = decoders.Sum(r => r.Rows);
            budget -= decodeRows;
            var chunks = PlanPrefill(ref budget, joined);

            Decode(decoders, failed);
            int prefillTokens = 0;
            foreach (var (request, count) in chunks)
            {
                Prefill(request, count, failed);
                prefillTokens += count * request.Rows;
            }
            Retire(finished);
            return new StepReport(++steps, decodeRows, prefillTokens, joined, finished, cancelled, failed);
        }
        finally
        {
            stepGate.Exit();
        }
    }

    /// <summary>Steps on a dedicated thread until <paramref name="cancellationToken"/> fires, sleeping while idle; then cancels what is left.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (HasWork) Step();
                    else wake.Wait(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: fall through and release everything still queued.
            }
            CancelEverything();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    void ApplyCancellations(List<Guid> cancelled)
    {
        foreach (var id in cancellations.Keys)
        {
            cancellations.TryRemove(id, out _);
            var request = running.Find(r => r.Id == id) ?? waiting.Find(r => r.Id == id);
            if (request is null) continue;
            Release(request);
            request.Finish(RequestStatus.Cancelled);
            cancelled.Add(id);
        }
    }

    /// <summary>Splits the budget left after decoding into prompt chunks: running prefills first, then waiting requests in order.</summary>
    List<(GenerationRequest Request, int Count)> PlanPrefill(ref int budget, List<Guid> joined)
    {
        var chunks = new List<(GenerationRequest, int)>();
        foreach (var request in running.Where(r => !r.PrefillDone))
        {
            int count = Math.Min(request.PromptLength - request.Prefilled, budget / request.Rows);
            if (count == 0) break;
            chunks.Add((request, count));
            budget -= count * request.Rows;
        }
        // First come, first served: a head that does not fit (slots or budget) holds back the ones behind it.
        while (waiting.Count > 0 && budget >= waiting[0].Rows && cache.TryAllocate(waiting[0].Rows, out var slots))
        {
            var request = waiting[0];
            waiting.RemoveAt(0);
            request.Slots = slots;
            running.Add(request);
            joined.Add(request.Id);
            int count = Math.Min(request.PromptLength, budget / request.Rows);
            chunks.Add((request, count));
            budget -= count * request.Rows;
        }
        return chunks;
    }

    void Decode(List<GenerationRequest> decoders, List<Guid> failed)
    {
        var batch = new List<GenerationRequest>();
        var inputs = new List<Tensor>();
        foreach (var request in decoders)
        {
            if (Guard(request, failed, () => inputs.Add(request.NextEmbeddings(model)))) batch.Add(request);
        }
        if (batch.Count == 0) return;
        var slots = batch.SelectMany(r => r.Slots!.Slots).ToArray();
        Tensor hidden;
        try
        {
            hidden = model.HiddenCached(cat(inputs, 0), cache, slots).select(1, 0);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            foreach (var request in batch) Fail(request, ex, failed);
            return;
        }
        int row = 0;
        foreach (var request in batch)
        {
            var own = hidden.narrow(0, row, request.Rows);
            row += request.Rows;
            Guard(request, failed, () => request.Accept(request.Readout(model, own)));
        }
    }

    void Prefill(GenerationRequest request, int count, List<Guid> failed)
    {
        if (!running.Contains(request)) return; // failed earlier in this step
        Guard(request, failed, () =>
        {
            var input = request.PromptEmbeddings(model, request.Prefilled, count);
            var hidden = model.HiddenCached(input, cache, request.Slots!.Slots);
            request.Prefilled += count;
            // Only the last prompt position's logits matter: they pick the first new token.
            if (request.PrefillDone) request.Accept(request.Readout(model, hidden.select(1, -1)));
        });
    }

    void Retire(List<Guid> finished)
    {
        foreach (var request in running.Where(r => r.PrefillDone && r.IsDone).ToList())
        {
            Release(request);
            request.Finish(RequestStatus.Completed);
            finished.Add(request.Id);
        }
    }

    bool Guard(GenerationRequest request, List<Guid> failed, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail(request, ex, failed);
            return false;
        }
    }

    void Fail(GenerationRequest request, Exception error, List<Guid> failed)
    {
        Release(request);
        request.Fail(error);
        failed.Add(request.Id);
    }

    void Release(GenerationRequest request)
    {
        waiting.Remove(request);
        if (running.Remove(request) && request.Slots is { } slots)
        {
            cache.Free(slots);
            request.Slots = null;
        }
    }

    void CancelEverything()
    {
        lock (stepGate)
        {
            while (submitted.TryDequeue(out var request)) waiting.Add(request);
            foreach (var request in running.Concat(waiting).ToList())
            {
                Release(request);
                request.Finish(RequestStatus.Cancelled);
            }
            cancellations.Clear();
        }
    }

    /// <summary>Releases the wake-up signal (the model and cache belong to the caller).</summary>
    public void Dispose() => wake.Dispose();
}
