using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// An encoder memory a cross-attending <see cref="DecoderTransformer"/> reads (SongGen's description, lyrics and reference
/// voice states): <paramref name="States"/> [batch, positions, dim] and an optional boolean <paramref name="Mask"/>
/// [batch, positions] (true = a real position; padding is false). Every row needs at least one real position.
/// </summary>
public sealed record CrossMemory(Tensor States, Tensor? Mask = null)
{
    /// <summary>Throws an <see cref="ArgumentException"/> unless the memory is [<paramref name="rows"/>, M, <paramref name="dim"/>] with a matching mask.</summary>
    internal void Check(long rows, long dim)
    {
        if (States.dim() != 3 || States.shape[0] != rows || States.shape[2] != dim || States.shape[1] == 0)
            throw new ArgumentException($"The cross-attention memory must be [{rows}, M>0, {dim}], got [{string.Join(", ", States.shape)}].");
        if (Mask is null) return;
        if (Mask.dim() != 2 || Mask.shape[0] != rows || Mask.shape[1] != States.shape[1] || Mask.dtype != ScalarType.Bool)
            throw new ArgumentException($"The memory mask must be bool [{rows}, {States.shape[1]}], got {Mask.dtype} [{string.Join(", ", Mask.shape)}].");
        using var scope = NewDisposeScope();
        if (!Mask.any(1).all().item<bool>()) throw new ArgumentException("Every row of the memory needs at least one unmasked position.");
    }

    /// <summary>The mask in attention's shape [batch, 1, 1, positions], or null for none.</summary>
    internal Tensor? AttentionMask => Mask?.unsqueeze(1).unsqueeze(1);
}
