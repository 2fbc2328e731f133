using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Where one <see cref="Attention.Attend"/> pass puts its keys and values in a <see cref="KvCache"/> that it then attends to
/// in place (ARDiT's contexts): row r's T new positions go to slot <see cref="Slots"/>[r] from <c>starts[r]</c> on, and
/// every row reads the first <see cref="KeyLength"/> positions of its slot under the pass's mask. Consecutive slots are
/// read as one view (no copy of the past), and new positions at one common start are written as one slice. When only the
/// leading rows have consecutive slots (a slot may also appear twice: two rows of one sequence, such as a finished block and
/// the next one), those rows are read as a view and the others gathered (<see cref="ViewRows"/>).
/// </summary>
public sealed class KvCacheWrite : IDisposable
{
    /// <summary>
    /// Writes into <paramref name="cache"/>: row r's <paramref name="count"/> new positions into slot <paramref name="slots"/>[r]
    /// from <paramref name="starts"/>[r] on; each row reads its slot's first <paramref name="keyLength"/> positions.
    /// </summary>
    public KvCacheWrite(KvCache cache, IReadOnlyList<int> slots, IReadOnlyList<int> starts, int count, long keyLength)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(starts);
        if (slots.Count == 0 || starts.Count != slots.Count)
            throw new ArgumentException($"Need one start per slot; got {slots.Count} slots and {starts.Count} starts.", nameof(starts));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (starts.Any(s => s < 0 || s + count > keyLength) || keyLength > cache.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(keyLength), keyLength, $"Every row's {count} new positions must lie within the {keyLength} read, at most the cache's {cache.MaxLength}.");
        if (slots.Any(s => s < 0 || s >= cache.SlotCount)) throw new ArgumentOutOfRangeException(nameof(slots), $"The cache has {cache.SlotCount} slots.");
        // Rows of one slot must write apart: overlapping positions would be written in no defined order.
        foreach (var rows in Enumerable.Range(0, slots.Count).GroupBy(r => slots[r]).Where(g => g.Count() > 1))
        {
            var first = rows.Select(r => starts[r]).Order().ToArray();
            for (int i = 1; i < first.Length; i++)
                if (first[i] < first[i - 1] + count)
                    throw new ArgumentException($"Two rows of slot {rows.Key} write overlapping positions (from {first[i - 1]} and {first[i]}, {count} each).", nameof(starts));
        }
        Cache = cache;
        Slots = slots;
        KeyLength = keyLength;
        int run = 1;
        while (run < slots.Count && slots[run] == slots[0] + run) run++;
        bool consecutive = run == slots.Count, common = starts.All(s => s == starts[0]);
        FirstSlot = consecutive ? slots[0] : null;
        CommonStart = common ? starts[0] : null;
        var device = cache.Layer(0).Keys.device;
        if (!(consecutive && common))
        {
            // Written by index: the slots and positions once for every layer of the pass.
            SlotIndex = tensor(slots.Select(s => (long)s).ToArray(), device: device);
            WritePositions = tensor(starts.Select(s => (long)s).ToArray(), device: device).unsqueeze(1) + arange(count, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        }
        // A view of two or more leading rows saves copying their pasts, for one more attention call over the gathered rest.
        if (!consecutive && run >= 2)
        {
            ViewRows = run;
            ViewSlot = slots[0];
            GatheredSlotIndex = tensor(slots.Skip(run).Select(s => (long)s).ToArray(), device: device);
        }
    }

    /// <summary>The cache written and read.</summary>
    public KvCache Cache { get; }

    /// <summary>Each row's slot.</summary>
    public IReadOnlyList<int> Slots { get; }

    /// <summary>Positions each row reads (the pass's mask hides what a row must not see).</summary>
    public long KeyLength { get; }

    /// <summary>The first slot when the rows' slots are consecutive (read as one view), else null.</summary>
    internal int? FirstSlot { get; }

    /// <summary>The rows' common first new position, else null.</summary>
    internal int? CommonStart { get; }

    /// <summary>The slots as an index, unless one slice write and one view read do.</summary>
    internal Tensor? SlotIndex { get; }

    /// <summary>Each row's new positions [rows, T], unless one slice write does.</summary>
    internal Tensor? WritePositions { get; }

    /// <summary>Leading rows read as one view of consecutive slots from <see cref="ViewSlot"/> while the rest are gathered; null when every row is read one way.</summary>
    internal int? ViewRows { get; }

    /// <summary>The first slot of the <see cref="ViewRows"/> read as a view.</summary>
    internal int ViewSlot { get; }

    /// <summary>The slots of the rows after <see cref="ViewRows"/>, gathered.</summary>
    internal Tensor? GatheredSlotIndex { get; }

    /// <summary>Frees the index tensors.</summary>
    public void Dispose()
    {
        SlotIndex?.Dispose();
        WritePositions?.Dispose();
        GatheredSlotIndex?.Dispose();
    }
}
