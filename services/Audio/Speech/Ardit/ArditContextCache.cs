using Media.Modeling.Transformers;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// Keys and values of the clean context of one utterance being generated — its text, then each clean block as it is
/// appended — in one slot of a shared <see cref="KvCache"/> (<see cref="ArditModel.CreateContextSlots"/>). Each forward
/// pass writes its keys into the slot and attends to the slot in place, so neither appending a block nor a batched step
/// copies a context; noisy blocks are written past <see cref="Length"/> as scratch and never kept. A cache opened
/// without shared slots has a one-slot <see cref="KvCache"/> of its own.
/// </summary>
public sealed class ArditContextCache : IDisposable
{
    readonly KvCache? owned;
    readonly SlotGroup slot;
    bool disposed;

    internal ArditContextCache(KvCache storage, bool ownsStorage, int textLength, int totalFrames)
    {
        if (storage.MaxLength < textLength + totalFrames)
            throw new ArgumentOutOfRangeException(nameof(storage), storage.MaxLength, $"The cache must hold the text and every frame ({textLength + totalFrames} positions).");
        slot = storage.Allocate();
        Storage = storage;
        owned = ownsStorage ? storage : null;
        TextLength = textLength;
        TotalFrames = totalFrames;
        SuffixStart = totalFrames;
    }

    /// <summary>Text tokens at the start of the context.</summary>
    public int TextLength { get; }

    /// <summary>The utterance's total number of latent frames (the duration input).</summary>
    public int TotalFrames { get; }

    /// <summary>The keys and values of this and (when shared) other utterances.</summary>
    public KvCache Storage { get; }

    /// <summary>This utterance's slot in <see cref="Storage"/>.</summary>
    public int Slot => slot.Slots[0];

    /// <summary>Positions kept so far: the text, the suffix and the clean frames.</summary>
    public int Length { get; internal set; }

    /// <summary>First frame of the fill-in-the-middle suffix in the cache (<see cref="ArditModel.AppendSuffix"/>); <see cref="TotalFrames"/> when there is none.</summary>
    public int SuffixStart { get; internal set; }

    /// <summary>Clean frames appended so far (before the suffix).</summary>
    public int CleanFrames { get; internal set; }

    /// <summary>Gives the slot back (and frees storage of its own).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (owned is not null) owned.Dispose();
        else Storage.Free(slot);
    }
}
