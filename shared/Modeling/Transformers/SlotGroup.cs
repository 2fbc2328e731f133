namespace Media.Modeling.Transformers;

/// <summary>Slots allocated together (one sequence, or a [cond, uncond] CFG pair) and freed together.</summary>
public sealed class SlotGroup
{
    internal SlotGroup(IReadOnlyList<int> slots) => Slots = slots;

    /// <summary>The slots, in row order.</summary>
    public IReadOnlyList<int> Slots { get; }
}
