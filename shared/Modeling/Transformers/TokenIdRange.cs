using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Checks that token ids index a table, with an error a caller can act on. Ids on the CPU are read in place (no kernel
/// launch, no <c>.item()</c> round trip per step); on an accelerator the min and max come back once.
/// </summary>
public static class TokenIdRange
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the range when an id falls outside 0..<paramref name="size"/>-1.</summary>
    public static void Check(Tensor ids, long size, string what, string paramName)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.numel() == 0) return;
        long lo, hi;
        if (ids.device_type == DeviceType.CPU && ids.dtype == ScalarType.Int64 && ids.is_contiguous())
        {
            var span = ids.data<long>();
            (lo, hi) = (long.MaxValue, long.MinValue);
            foreach (long id in span)
            {
                if (id < lo) lo = id;
                if (id > hi) hi = id;
            }
        }
        else
        {
            using var scope = NewDisposeScope();
            var range = stack([ids.min(), ids.max()]).to_type(ScalarType.Int64).cpu();
            (lo, hi) = (range[0].item<long>(), range[1].item<long>());
        }
        if (lo < 0 || hi >= size)
            throw new ArgumentException($"{what} {lo}..{hi} fall outside the vocabulary 0..{size - 1}.", paramName);
    }
}
