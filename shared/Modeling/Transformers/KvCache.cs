using System.Diagnostics.CodeAnalysis;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Preallocated keys and values for serving: per layer a [slots, n_kv_head, max_len, head_dim] tensor, one
/// slot per sequence. Slots are handed out in groups (one sequence, or a CFG pair [cond, uncond] that is
/// allocated and freed as one unit) and reused after they are freed; each slot remembers how many
/// positions it holds, and attention masks out everything past that, so stale entries never leak.
/// Allocation is thread-safe; forward passes that write the cache must come from one thread.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor[] keys;
    readonly Tensor[] values;
    readonly Tensor[] memoryKeys;
    readonly Tensor[] memoryValues;
    readonly Tensor? memoryMask;
    readonly int[] memoryLengths;
    readonly int[] lengths;
    readonly SlotGroup?[] owners;
    readonly SortedSet<int> free = [];
    readonly Lock gate = new();

    /// <summary>
    /// Allocates zeroed storage for <paramref name="slots"/> sequences of up to <paramref name="maxLength"/> positions, and for
    /// a cross-attending decoder the keys and values of an encoder memory of up to <paramref name="memoryLength"/> positions
    /// per slot (written once per request by <see cref="DecoderTransformer.SetMemory"/>; 0: no memory).
    /// </summary>
    public KvCache(int layers, int slots, int kvHeads, int maxLength, int headDim, Device? device = null, ScalarType dtype = ScalarType.Float32, int memoryLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(memoryLength);
        if (layers <= 0 || slots <= 0 || kvHeads <= 0 || maxLength <= 0 || headDim <= 0)
            throw new ArgumentException($"KV cache sizes must be positive (layers {layers}, slots {slots}, kv heads {kvHeads}, max length {maxLength}, head dim {headDim}).");
        keys = new Tensor[layers];
        values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            // The cache outlives whatever dispose scope it is created in (an utterance's context opened inside a pass).
            keys[i] = zeros([slots, kvHeads, maxLength, headDim], dtype, device).DetachFromDisposeScope();
            values[i] = zeros([slots, kvHeads, maxLength, headDim], dtype, device).DetachFromDisposeScope();
        }
        memoryKeys = new Tensor[memoryLength > 0 ? layers : 0];
        memoryValues = new Tensor[memoryKeys.Length];
        for (int i = 0; i < memoryKeys.Length; i++)
        {
            memoryKeys[i] = zeros([slots, kvHeads, memoryLength, headDim], dtype, device).DetachFromDisposeScope();
            memoryValues[i] = zeros([slots, kvHeads, memoryLength, headDim], dtype, device).DetachFromDisposeScope();
        }
        memoryMask = memoryLength > 0 ? zeros([slots, memoryLength], ScalarType.Bool, device).DetachFromDisposeScope() : null;
        memoryLengths = new int[slots];
        MemoryLength = memoryLength;
        lengths = new int[slots];
        owners = new SlotGroup?[slots];
        // The lowest free slots go out first, so running sequences stay packed at the front in order, and a batch sorted
        // by slot is mostly one run of consecutive slots, read as a view instead of gathered (a copy of every row's keys).
        for (int s = 0; s < slots; s++) free.Add(s);
        MaxLength = maxLength;
    }

    /// <summary>Number of sequence slots.</summary>
    public int SlotCount => lengths.Length;

    /// <summary>Positions one slot can hold.</summary>
    public int MaxLength { get; }

    /// <summary>Encoder-memory positions one slot can hold (0: this cache holds no cross-attention memory).</summary>
    public int MemoryLength { get; }

    /// <summary>Slots not held by any group.</summary>
    public int FreeSlotCount { get { lock (gate) return free.Count; } }

    /// <summary>Allocates <paramref name="rows"/> slots as one unit, or throws when fewer are free.</summary>
    public SlotGroup Allocate(int rows = 1) =>
        TryAllocate(rows, out var group) ? group
        : throw new InvalidOperationException($"The KV cache has {FreeSlotCount} free slot(s); {rows} were requested.");

    /// <summary>Allocates a CFG pair: slot 0 of the group is the conditional row, slot 1 the unconditional one.</summary>
    public SlotGroup AllocatePair() => Allocate(2);

    /// <summary>Allocates <paramref name="rows"/> slots all together, or none when fewer are free.</summary>
    public bool TryAllocate(int rows, [NotNullWhen(true)] out SlotGroup? group)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        lock (gate)
        {
            group = null;
            if (free.Count < rows) return false;
            var slots = new int[rows];
            for (int i = 0; i < rows; i++)
            {
                slots[i] = free.Min;
                free.Remove(slots[i]);
            }
            group = new SlotGroup(slots);
            foreach (int s in slots)
            {
                owners[s] = group;
                lengths[s] = 0;
                memoryLengths[s] = 0;
            }
            return true;
        }
    }

    /// <summary>Returns every slot of <paramref name="group"/>; freeing a group twice throws.</summary>
    public void Free(SlotGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (gate)
        {
            if (group.Slots.Any(s => s < 0 || s >= SlotCount || !ReferenceEquals(owners[s], group)))
                throw new InvalidOperationException($"Slots [{string.Join(", ", group.Slots)}] are not held by this group (freed twice, or from another cache).");
            foreach (int s in group.Slots)
            {
                owners[s] = null;
                lengths[s] = 0;
                memoryLengths[s] = 0;
                free.Add(s);
            }
        }
    }

    /// <summary>Positions currently held by <paramref name="slot"/>.</summary>
    public int Length(int slot)
    {
        lock (gate)
        {
            if (slot < 0 || slot >= SlotCount || owners[slot] is null)
                throw new ArgumentException($"Slot {slot} is not allocated in this KV cache.", nameof(slot));
            return lengths[slot];
        }
    }

    /// <summary>Keys and values of one layer.</summary>
    internal (Tensor Keys, Tensor Values) Layer(int layer) => (keys[layer], values[layer]);

    /// <summary>Encoder-memory keys and values of one layer, [slots, n_kv_head, memory_length, head_dim].</summary>
    internal (Tensor Keys, Tensor Values) MemoryLayer(int layer) => (memoryKeys[layer], memoryValues[layer]);

    /// <summary>Which memory positions of each slot are real, bool [slots, memory_length].</summary>
    internal Tensor MemoryMask => memoryMask ?? throw new InvalidOperationException("This KV cache holds no cross-attention memory.");

    /// <summary>Memory positions written for <paramref name="slot"/> (0 until its request's memory is set).</summary>
    internal int MemoryCount(int slot)
    {
        lock (gate) return memoryLengths[slot];
    }

    /// <summary>Records that <paramref name="count"/> memory positions were written for each slot.</summary>
    internal void SetMemoryCount(IReadOnlyList<int> slots, int count)
    {
        lock (gate)
            foreach (int s in slots) memoryLengths[s] = count;
    }

    /// <summary>Number of layers this cache was sized for.</summary>
    public int LayerCount => keys.Length;

    /// <summary>Marks <paramref name="count"/> more positions as written in each slot.</summary>
    internal void Advance(IReadOnlyList<int> slots, int count)
    {
        lock (gate)
            foreach (int s in slots) lengths[s] += count;
    }

    /// <summary>Releases the cache storage.</summary>
    public void Dispose()
    {
        foreach (var t in keys.Concat(values).Concat(memoryKeys).Concat(memoryValues)) t.Dispose();
        memoryMask?.Dispose();
    }
}
