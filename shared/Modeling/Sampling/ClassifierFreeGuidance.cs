using static TorchSharp.torch;

namespace Media.Modeling.Sampling;

/// <summary>Classifier-free guidance: <c>u + s * (c - u)</c>; s = 1 gives the conditional output, s = 0 the unconditional.</summary>
public static class ClassifierFreeGuidance
{
    /// <summary>Combines conditional and unconditional outputs with one scale.</summary>
    public static Tensor Combine(Tensor conditional, Tensor unconditional, double scale)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        CheckSameShape(conditional, unconditional);
        using var scope = NewDisposeScope();
        return (unconditional + scale * (conditional - unconditional)).MoveToOuterDisposeScope();
    }

    /// <summary>Combines with a scale per row: <paramref name="scales"/> is [rows] and broadcasts over the trailing dimensions.</summary>
    public static Tensor Combine(Tensor conditional, Tensor unconditional, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        ArgumentNullException.ThrowIfNull(scales);
        CheckSameShape(conditional, unconditional);
        if (scales.Count != conditional.shape[0])
            throw new ArgumentException($"{scales.Count} guidance scales for {conditional.shape[0]} rows.", nameof(scales));
        using var scope = NewDisposeScope();
        long[] shape = [scales.Count, .. Enumerable.Repeat(1L, (int)conditional.dim() - 1)];
        var s = tensor(scales.Select(v => (float)v).ToArray(), device: conditional.device).view(shape).to_type(conditional.dtype);
        return (unconditional + s * (conditional - unconditional)).MoveToOuterDisposeScope();
    }

    /// <summary>Splits a doubled batch laid out [conditional; unconditional] along dim 0 (LlamaGen's layout) and combines.</summary>
    public static Tensor CombineHalves(Tensor doubled, double scale)
    {
        ArgumentNullException.ThrowIfNull(doubled);
        if (doubled.shape[0] % 2 != 0)
            throw new ArgumentException($"A guided batch holds [conditional; unconditional] halves, so its first dimension must be even; got {doubled.shape[0]}.", nameof(doubled));
        using var scope = NewDisposeScope();
        long half = doubled.shape[0] / 2;
        return Combine(doubled.narrow(0, 0, half), doubled.narrow(0, half, half), scale).MoveToOuterDisposeScope();
    }

    static void CheckSameShape(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Conditional [{string.Join(", ", a.shape)}] and unconditional [{string.Join(", ", b.shape)}] outputs differ in shape.");
    }
}
