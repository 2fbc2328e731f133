using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// The Llama-family decoder of LlamaGen's GPT: <c>tok_embeddings</c>, <c>layers.{i}</c>, final <c>norm</c> and
/// <c>output</c>, with the same state-dict keys. It takes token ids or ready-made input embeddings (so a model
/// can prepend its own condition embeddings), runs a full forward pass or appends tokens to a <see cref="KvCache"/>,
/// and rows of a batch may sit at different positions. With <see cref="TransformerConfig.CrossAttention"/> every block
/// also attends to an encoder memory (<see cref="CrossMemory"/>): given with a full pass, or projected once per request into
/// the cache by <see cref="SetMemory"/> and read by every cached pass of its slots.
/// </summary>
public sealed class DecoderTransformer : nn.Module<Tensor, Tensor>
{
    readonly Embedding tok_embeddings;
    readonly ModuleList<TransformerBlock> layers;
    readonly RmsNorm norm;
    readonly Linear output;
    readonly RotaryEmbedding rope;

    /// <summary>Creates a randomly initialised decoder (seed with <c>torch.manual_seed</c> for repeatable weights).</summary>
    public DecoderTransformer(TransformerConfig config) : base(nameof(DecoderTransformer))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        tok_embeddings = nn.Embedding(config.VocabSize, config.Dim);
        layers = nn.ModuleList(Enumerable.Range(0, config.NLayer).Select(i => new TransformerBlock(config, i)).ToArray());
        norm = new RmsNorm(config.Dim, config.NormEps);
        output = nn.Linear(config.Dim, config.VocabSize, hasBias: config.OutputBias);
        rope = new RotaryEmbedding(config.Rope, config.HeadDim, config.MaxSeqLen, config.RopeBase);
        RegisterComponents();
    }

    /// <summary>The shape this decoder was built with.</summary>
    public TransformerConfig Config { get; }

    /// <summary>Where the weights live (inputs for this model are created there).</summary>
    public Device Device => output.weight!.device;

    /// <summary>Logits [batch, time, vocab] of a causal full forward pass over token ids [batch, time].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return ForwardFull(Embed(input)).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids [batch, time] to input embeddings [batch, time, dim].</summary>
    public Tensor Embed(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        TokenIdRange.Check(tokens, Config.VocabSize, "Token ids", nameof(tokens));
        return tok_embeddings.call(tokens);
    }

    /// <summary>Vocabulary logits of final hidden states.</summary>
    public Tensor Logits(Tensor hidden) => output.call(hidden);

    /// <summary>Logits of a full forward pass; see <see cref="HiddenFull"/>.</summary>
    public Tensor ForwardFull(Tensor embeddings, Tensor? positions = null, AttentionPattern? pattern = null, CrossMemory? memory = null)
    {
        using var scope = NewDisposeScope();
        return Logits(HiddenFull(embeddings, positions, pattern, memory)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Final normalised hidden states [batch, time, dim] of a full forward pass over <paramref name="embeddings"/>
    /// [batch, time, dim]. Positions default to 0..time-1 in every row; the pattern defaults to causal. A cross-attending
    /// decoder needs <paramref name="memory"/>; any other refuses one.
    /// </summary>
    public Tensor HiddenFull(Tensor embeddings, Tensor? positions = null, AttentionPattern? pattern = null, CrossMemory? memory = null)
    {
        CheckEmbeddings(embeddings);
        CheckMemory(memory, embeddings.shape[0]);
        using var scope = NewDisposeScope();
        long b = embeddings.shape[0], t = embeddings.shape[1];
        pattern ??= AttentionPattern.Causal;
        bool plainCausal = positions is null && ReferenceEquals(pattern, AttentionPattern.Causal);
        if (positions is not null && (positions.dim() != 2 || positions.shape[0] != b || positions.shape[1] != t))
            throw new ArgumentException($"Positions must be [{b}, {t}] to match the embeddings.", nameof(positions));
        positions ??= arange(t, ScalarType.Int64, embeddings.device).unsqueeze(0).expand(b, t);
        positions = positions.to(ScalarType.Int64).to(embeddings.device);
        var (cos, sin) = rope.At(positions);
        var mask = plainCausal ? null : pattern.Allowed(positions.unsqueeze(2), positions.unsqueeze(1)).unsqueeze(1);
        var ctx = new AttentionContext(rope, cos, sin, mask, isCausal: plainCausal) { Memory = memory, MemoryMask = memory?.AttentionMask };
        return RunLayers(embeddings, ctx).MoveToOuterDisposeScope();
    }

    /// <summary>Logits of an incremental pass; see <see cref="HiddenCached"/>.</summary>
    public Tensor ForwardCached(Tensor embeddings, KvCache cache, IReadOnlyList<int> slots, AttentionPattern? pattern = null)
    {
        using var scope = NewDisposeScope();
        return Logits(HiddenCached(embeddings, cache, slots, pattern)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Appends <paramref name="embeddings"/> [batch, time, dim] to the cache: row r continues slot
    /// <c>slots[r]</c> at that slot's own length (a prefill chunk when time &gt; 1, a decode step when 1),
    /// attends to everything the slot holds under <paramref name="pattern"/>, and advances the slot.
    /// Returns the final normalised hidden states of the new positions.
    /// </summary>
    public Tensor HiddenCached(Tensor embeddings, KvCache cache, IReadOnlyList<int> slots, AttentionPattern? pattern = null)
    {
        CheckCache(cache);
        using var scope = NewDisposeScope();
        // Serving only: the cache is written in place and must not pull the weights' autograd graph along.
        using var noGrad = no_grad();
        var ctx = CachedContext(embeddings, cache, slots, pattern ?? AttentionPattern.Causal);
        var hidden = RunLayers(embeddings, ctx);
        cache.Advance(slots, (int)embeddings.shape[1]);
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Several <see cref="HiddenCached"/> passes fused into one (Sarathi-style): every segment's rows append their own
    /// chunk to their own slots — a decode step of many rows and a prefill chunk of another request, say — and the
    /// projections and feed-forwards run once over all of their positions, so the weights are read once for all of
    /// them. Attention runs per segment over its slots. Returns each segment's final hidden states [rows, time, dim].
    /// </summary>
    public IReadOnlyList<Tensor> HiddenCachedFused(IReadOnlyList<CachedSegment> segments, KvCache cache, AttentionPattern? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Count == 0) throw new ArgumentException("A fused pass needs at least one segment.", nameof(segments));
        if (segments.Count == 1) return [HiddenCached(segments[0].Embeddings, cache, segments[0].Slots, pattern)];
        CheckCache(cache);
        var all = segments.SelectMany(s => s.Slots).ToArray();
        if (all.Distinct().Count() != all.Length) throw new ArgumentException("Each row of a fused pass needs its own slot.", nameof(segments));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        pattern ??= AttentionPattern.Causal;
        var contexts = segments.Select(s => CachedContext(s.Embeddings, cache, s.Slots, pattern)).ToArray();
        // Every position of every segment in one row: the projections and norms are position-wise.
        var flat = cat(segments.Select(s => s.Embeddings.reshape(1, -1, Config.Dim)).ToArray(), 1);
        var hidden = RunLayers(flat, AttentionContext.Fused(contexts));
        var results = new Tensor[segments.Count];
        long offset = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            var e = segments[i].Embeddings;
            long count = e.shape[0] * e.shape[1];
            results[i] = hidden.narrow(1, offset, count).view(e.shape[0], e.shape[1], Config.Dim).MoveToOuterDisposeScope();
            offset += count;
        }
        foreach (var s in segments) cache.Advance(s.Slots, (int)s.Embeddings.shape[1]);
        return results;
    }

    /// <summary>
    /// Projects <paramref name="memory"/> (one row per slot) to every block's cross-attention keys and values and writes them
    /// to <paramref name="slots"/> of the cache, once per request before its first cached pass; the slots' later passes read
    /// them (padding masked). The memory keeps until the slots are freed.
    /// </summary>
    public void SetMemory(KvCache cache, IReadOnlyList<int> slots, CrossMemory memory)
    {
        CheckCache(cache);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(memory);
        if (!Config.CrossAttention) throw new InvalidOperationException("This decoder does not cross-attend; it takes no memory.");
        memory.Check(slots.Count, Config.Dim);
        int m = (int)memory.States.shape[1];
        if (m > cache.MemoryLength)
            throw new ArgumentException($"The memory has {m} positions; the cache holds {cache.MemoryLength} per slot.", nameof(memory));
        foreach (int s in slots) cache.Length(s); // throws for a slot not allocated
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var index = tensor(slots.Select(s => (long)s).ToArray(), ScalarType.Int64, cache.MemoryMask.device);
        var at = new[] { TensorIndex.Tensor(index), TensorIndex.Colon, TensorIndex.Slice(0, m) };
        for (int i = 0; i < layers.Count; i++)
        {
            var (k, v) = layers[i].MemoryKeysValues(memory.States);
            var (keys, values) = cache.MemoryLayer(i);
            keys.index_put_(k.to(keys.dtype), at);
            values.index_put_(v.to(values.dtype), at);
        }
        var rowMask = memory.Mask ?? ones([slots.Count, m], ScalarType.Bool, index.device);
        var maskRows = cache.MemoryMask;
        maskRows.index_put_(zeros([slots.Count, cache.MemoryLength], ScalarType.Bool, index.device), TensorIndex.Tensor(index));
        maskRows.index_put_(rowMask.to(index.device), TensorIndex.Tensor(index), TensorIndex.Slice(0, m));
        cache.SetMemoryCount(slots, m);
    }

    /// <summary>What a cached pass of <paramref name="embeddings"/> into <paramref name="slots"/> attends with: positions, RoPE, mask, cache rows.</summary>
    AttentionContext CachedContext(Tensor embeddings, KvCache cache, IReadOnlyList<int> slots, AttentionPattern pattern)
    {
        CheckEmbeddings(embeddings);
        ArgumentNullException.ThrowIfNull(slots);
        long b = embeddings.shape[0], t = embeddings.shape[1];
        if (slots.Count != b) throw new ArgumentException($"{slots.Count} slot(s) given for {b} row(s).", nameof(slots));
        if (slots.Distinct().Count() != slots.Count) throw new ArgumentException("Each row needs its own slot.", nameof(slots));
        var starts = slots.Select(cache.Length).ToArray();
        long limit = Math.Min(cache.MaxLength, rope.Rows);
        for (int r = 0; r < starts.Length; r++)
            if (starts[r] + t > limit)
                throw new ArgumentException($"Slot {slots[r]} holds {starts[r]} positions; {t} more exceed the limit of {limit}.", nameof(embeddings));

        var device = embeddings.device;
        // Positions are built on the host: they are known here, and host checks above replace a device round trip.
        var positionValues = new long[b * t];
        for (int r = 0; r < b; r++)
            for (int j = 0; j < t; j++) positionValues[r * t + j] = starts[r] + j;
        var positions = tensor(positionValues, [b, t], device: device);                    // [B, T]
        long keyLength = starts.Max() + t;
        bool sameStart = starts.All(s => s == starts[0]);
        // Causal rows all at one length need no mask: a single new position sees every written key, and a first
        // chunk is plain causal attention (SDPA's own is_causal). Anything else masks per row.
        bool causal = ReferenceEquals(pattern, AttentionPattern.Causal) && sameStart;
        bool noMask = causal && t == 1, isCausal = causal && t > 1 && starts[0] == 0;
        Tensor? mask = null;
        if (!noMask && !isCausal)
        {
            var keyPositions = arange(keyLength, ScalarType.Int64, device).view(1, 1, -1);      // [1, 1, K]
            // Keys past a row's own length are another sequence's leftovers or unwritten: never attend to them.
            var ends = tensor(starts.Select(s => s + t).ToArray(), device: device);
            var written = keyPositions.lt(ends.view(-1, 1, 1));
            mask = pattern.Allowed(positions.unsqueeze(2), keyPositions).logical_and(written).unsqueeze(1);
        }
        var (cos, sin) = rope.AtUnchecked(positions); // the host check above covers the table
        bool consecutive = slots.Select((s, i) => s - i).Distinct().Count() == 1;
        var slotIndex = tensor(slots.Select(s => (long)s).ToArray(), ScalarType.Int64, device);
        int memoryRead = 0;
        Tensor? memoryMask = null;
        if (Config.CrossAttention)
        {
            var counts = slots.Select(cache.MemoryCount).ToArray();
            if (counts.Any(c => c == 0))
                throw new ArgumentException($"Slot {slots[Array.IndexOf(counts, 0)]} has no encoder memory: call SetMemory before its first pass.", nameof(slots));
            memoryRead = counts.Max();
            memoryMask = cache.MemoryMask.narrow(1, 0, memoryRead).index_select(0, slotIndex).view(b, 1, 1, memoryRead);
        }
        return new AttentionContext(rope, cos, sin, mask, isCausal)
        {
            MemoryMask = memoryMask,
            MemoryReadLength = memoryRead,
            CommonStart = sameStart ? starts[0] : null,
            Cache = cache,
            SlotIndex = slotIndex,
            FirstSlot = consecutive ? slots[0] : null,
            WritePositions = positions,
            KeyLength = keyLength,
        };
    }

    void CheckCache(KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (cache.LayerCount != Config.NLayer) throw new ArgumentException($"The cache has {cache.LayerCount} layers; this model has {Config.NLayer}.", nameof(cache));
        if (Config.CrossAttention && cache.MemoryLength == 0) throw new ArgumentException("This decoder cross-attends; the cache holds no memory.", nameof(cache));
    }

    /// <summary>
    /// A cache shaped for this model, on the device and in the dtype of its weights; a cross-attending model's cache also
    /// holds up to <paramref name="memoryLength"/> memory positions per slot.
    /// </summary>
    public KvCache CreateCache(int slots, int? maxLength = null, int memoryLength = 0)
    {
        var weight = output.weight!;
        if (Config.CrossAttention && memoryLength <= 0)
            throw new ArgumentException("A cross-attending decoder's cache needs room for its encoder memory.", nameof(memoryLength));
        return new KvCache(Config.NLayer, slots, Config.NKvHead, maxLength ?? Config.MaxSeqLen, Config.HeadDim, weight.device, weight.dtype,
            Config.CrossAttention ? memoryLength : 0);
    }

    void CheckMemory(CrossMemory? memory, long rows)
    {
        if (memory is null)
        {
            if (Config.CrossAttention) throw new ArgumentException("This decoder cross-attends: give it an encoder memory.", nameof(memory));
            return;
        }
        if (!Config.CrossAttention) throw new ArgumentException("This decoder does not cross-attend; it takes no memory.", nameof(memory));
        memory.Check(rows, Config.Dim);
    }

    Tensor RunLayers(Tensor h, AttentionContext ctx)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in layers) h = layer.call(h, ctx);
        return norm.call(h).MoveToOuterDisposeScope();
    }

    void CheckEmbeddings(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.dim() != 3 || embeddings.shape[2] != Config.Dim)
            throw new ArgumentException($"Input embeddings must be [batch, time, {Config.Dim}], got [{string.Join(", ", embeddings.shape)}].", nameof(embeddings));
        if (embeddings.shape[1] == 0) throw new ArgumentException("Input embeddings hold no positions.", nameof(embeddings));
    }
}
