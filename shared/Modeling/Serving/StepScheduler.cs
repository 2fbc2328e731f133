using Media.Modeling.Sampling;
using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Serving;

/// <summary>
/// Iteration-level batching in the style of Sarathi-Serve over one model and one <see cref="KvCache"/>.
/// Each step has a token budget: every running sequence first decodes one token (each row at its own position),
/// and what is left of the budget goes to prompt chunks of the requests still prefilling, oldest first, admitting
/// waiting requests while cache slots are free (chunked prefill). The decode rows and the prefill chunks ride in one
/// fused forward pass (<see cref="DecoderTransformer.HiddenCachedFused"/>), so the weights are read once per step.
/// <see cref="SampledRequest"/>s sharing a <see cref="TokenHead"/> are embedded, read out, guided and sampled
/// together, with one copy of the step's tokens to the host; other requests read out and pick alone.
/// Finished requests retire at the end of the step and free their slots. Submission and cancellation are
/// thread-safe and take effect at the next step boundary; <see cref="Step"/> itself runs on one thread.
/// </summary>
public sealed class StepScheduler : StepLoop<GenerationRequest>
{
    readonly DecoderTransformer model;
    readonly KvCache cache;

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
        Enqueue(request);
    }

    /// <summary>Decodes every running sequence, prefills chunks within the budget (admitting while slots are free), retires.</summary>
    protected override (int Rows, int PrefillTokens) Advance(StepOutcome outcome)
    {
        int budget = TokenBudget;
        // In slot order: the rows' keys are then mostly one run of consecutive slots, read in place.
        var decoders = Running.Where(r => r.PrefillDone).OrderBy(r => r.Slots!.Slots[0]).ToList();
        int decodeRows = decoders.Sum(r => r.Rows);
        budget -= decodeRows;
        var chunks = PlanPrefill(ref budget, outcome.Joined);

        var picks = Forward(decoders, chunks, outcome);
        Pick(picks, outcome);
        int prefillTokens = chunks.Sum(c => c.Count * c.Request.Rows);
        foreach (var request in Running.Where(r => r.PrefillDone && r.IsDone).ToList()) Complete(request, outcome);
        return (decodeRows, prefillTokens);
    }

    /// <summary>Splits the budget left after decoding into prompt chunks: running prefills first, then waiting requests in order.</summary>
    List<(GenerationRequest Request, int Count)> PlanPrefill(ref int budget, List<Guid> joined)
    {
        var chunks = new List<(GenerationRequest, int)>();
        foreach (var request in Running.Where(r => !r.PrefillDone))
        {
            int count = Math.Min(request.PromptLength - request.Prefilled, budget / request.Rows);
            if (count == 0) break;
            chunks.Add((request, count));
            budget -= count * request.Rows;
        }
        // First come, first served: a head that does not fit (slots or budget) holds back the ones behind it.
        while (Waiting.Count > 0 && budget >= Waiting[0].Rows && cache.TryAllocate(Waiting[0].Rows, out var slots))
        {
            var request = Waiting[0];
            Waiting.RemoveAt(0);
            request.Slots = slots;
            Running.Add(request);
            joined.Add(request.Id);
            int count = Math.Min(request.PromptLength, budget / request.Rows);
            chunks.Add((request, count));
            budget -= count * request.Rows;
        }
        return chunks;
    }

    /// <summary>
    /// One fused pass: the decoders' next inputs as one segment, each prefill chunk as another. Returns the final hidden
    /// states [Rows, dim] of every request that picks a token now (the decoders, and prompts whose last chunk this was).
    /// </summary>
    List<(GenerationRequest Request, Tensor Hidden)> Forward(List<GenerationRequest> decoders, List<(GenerationRequest Request, int Count)> chunks, StepOutcome outcome)
    {
        var segments = new List<CachedSegment>();
        var members = new List<List<GenerationRequest>>();
        var (batch, input) = DecodeInputs(decoders, outcome);
        if (batch.Count > 0)
        {
            segments.Add(new CachedSegment(input!, batch.SelectMany(r => r.Slots!.Slots).ToArray()));
            members.Add(batch);
        }
        var prefilling = new List<(GenerationRequest Request, int Count, Tensor Embeddings)>();
        foreach (var (request, count) in chunks)
        {
            Tensor? embeddings = null;
            if (!Running.Contains(request) || !Guard(request, outcome, () =>
            {
                if (request.Prefilled == 0) AttachMemory(request);
                embeddings = request.PromptEmbeddings(model, request.Prefilled, count);
            })) continue;
            prefilling.Add((request, count, embeddings!));
        }
        // Chunks of one length share a segment (each row still at its own position): fewer, larger attention calls.
        var chunkGroups = prefilling.GroupBy(c => c.Count).Select(g => g.ToList()).ToList();
        foreach (var group in chunkGroups)
        {
            segments.Add(new CachedSegment(group.Count == 1 ? group[0].Embeddings : cat(group.Select(c => c.Embeddings).ToArray(), 0),
                group.SelectMany(c => c.Request.Slots!.Slots).ToArray()));
            members.Add([.. group.Select(c => c.Request)]);
        }
        var picks = new List<(GenerationRequest, Tensor)>();
        if (segments.Count == 0) return picks;
        IReadOnlyList<Tensor> hidden;
        try
        {
            hidden = model.HiddenCachedFused(segments, cache);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            foreach (var request in members.SelectMany(m => m)) Fail(request, ex, outcome);
            return picks;
        }
        int segment = 0;
        if (batch.Count > 0)
        {
            var rows = hidden[segment++].select(1, 0);
            int row = 0;
            foreach (var request in batch)
            {
                picks.Add((request, rows.narrow(0, row, request.Rows)));
                row += request.Rows;
            }
        }
        foreach (var group in chunkGroups)
        {
            var own = hidden[segment++];
            int row = 0;
            foreach (var (request, count, _) in group)
            {
                var states = own.narrow(0, row, request.Rows);
                if (!Guard(request, outcome, () => request.PromptHidden(model, states, request.Prefilled)))
                {
                    row += request.Rows;
                    continue;
                }
                request.Prefilled += count;
                // Only the last prompt position's logits matter: they pick the first new token.
                if (request.PrefillDone) picks.Add((request, states.select(1, -1)));
                row += request.Rows;
            }
        }
        return picks;
    }

    /// <summary>Writes a cross-attending model's encoder memory for the request's slots (once, before its first chunk).</summary>
    void AttachMemory(GenerationRequest request)
    {
        var memory = request.Memory(model);
        if (memory is null)
        {
            if (model.Config.CrossAttention) throw new InvalidOperationException("The model cross-attends, but the request gives no encoder memory.");
            return;
        }
        model.SetMemory(cache, request.Slots!.Slots, memory);
    }

    /// <summary>
    /// The decoders' next input embeddings [rows, 1, dim], in row order: sampled requests sharing a head are embedded in one
    /// lookup from their last tokens (known on the host), the others through their own <see cref="GenerationRequest.NextEmbeddings"/>.
    /// </summary>
    (List<GenerationRequest> Batch, Tensor? Input) DecodeInputs(List<GenerationRequest> decoders, StepOutcome outcome)
    {
        var batch = new List<GenerationRequest>();
        var inputs = new List<Tensor>();
        foreach (var group in decoders.GroupBy(r => r is SampledRequest sampled ? sampled.Head : (object)r))
        {
            if (group.Key is not TokenHead head)
            {
                var request = group.Single();
                if (Guard(request, outcome, () => inputs.Add(request.NextEmbeddings(model)))) batch.Add(request);
                continue;
            }
            var members = new List<GenerationRequest>();
            var ids = new List<long>();
            int width = -1;
            foreach (var request in group.Cast<SampledRequest>())
            {
                Guard(request, outcome, () =>
                {
                    var last = request.LastTokens;
                    if (width >= 0 && last.Count != width)
                        throw new InvalidOperationException($"The request fed {last.Count} tokens where the others of its head feed {width}.");
                    width = last.Count;
                    for (int r = 0; r < request.Rows; r++) ids.AddRange(last);
                    members.Add(request);
                });
            }
            if (members.Count == 0) continue;
            try
            {
                var tokens = tensor(ids.ToArray(), ScalarType.Int64, model.Device).view(-1, width);
                inputs.Add(head.Embed(model, tokens));
                batch.AddRange(members);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                foreach (var request in members) Fail(request, ex, outcome);
            }
        }
        return (batch, inputs.Count == 0 ? null : inputs.Count == 1 ? inputs[0] : cat(inputs, 0));
    }

    /// <summary>
    /// Turns the picks' hidden states into tokens: per head one readout over all of its rows, one guidance and one sampler
    /// call over every request that samples in batch, one copy of the tokens to the host; every other request alone.
    /// </summary>
    void Pick(List<(GenerationRequest Request, Tensor Hidden)> picks, StepOutcome outcome)
    {
        foreach (var group in picks.GroupBy(p => p.Request is SampledRequest sampled ? sampled.Head : (object)p.Request))
        {
            if (group.Key is not TokenHead head)
            {
                var (request, hidden) = group.Single();
                Guard(request, outcome, () => request.Accept(request.Readout(model, hidden)));
                continue;
            }
            var requests = group.Select(p => (SampledRequest)p.Request).ToList();
            Tensor logits;
            try
            {
                logits = head.Readout(model, requests.Count == 1 ? group.First().Hidden : cat(group.Select(p => p.Hidden).ToArray(), 0));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                foreach (var request in requests) Fail(request, ex, outcome);
                continue;
            }
            var sampling = new List<SampledRequest>();
            var sampledRows = new List<long>();
            int row = 0;
            foreach (var request in requests)
            {
                if (request.SamplesInBatch)
                {
                    sampling.Add(request);
                    for (int r = 0; r < request.Rows; r++) sampledRows.Add(row + r);
                }
                else
                {
                    var own = logits.narrow(0, row, request.Rows);
                    Guard(request, outcome, () => request.Accept(own));
                }
                row += request.Rows;
            }
            if (sampling.Count > 0) SampleTogether(sampling, sampledRows.Count == row ? logits : logits.index_select(0, tensor(sampledRows.ToArray(), device: logits.device)), outcome);
        }
    }

    void SampleTogether(List<SampledRequest> requests, Tensor logits, StepOutcome outcome)
    {
        long[] tokens;
        try
        {
            var guided = SampledRequest.Guide(logits.to_type(ScalarType.Float32), requests);
            tokens = TokenSampler.Sample(guided, requests.Select(r => r.Sampling).ToArray()).cpu().reshape(-1).data<long>().ToArray();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            foreach (var request in requests) Fail(request, ex, outcome);
            return;
        }
        int width = tokens.Length / requests.Count;
        for (int i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var own = tokens.AsSpan(i * width, width).ToArray();
            Guard(request, outcome, () => request.AcceptTokens(own));
        }
    }

    /// <inheritdoc/>
    protected override void Release(GenerationRequest request)
    {
        if (request.Slots is { } slots)
        {
            cache.Free(slots);
            request.Slots = null;
        }
    }
}
