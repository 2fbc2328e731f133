using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Transformers;

/// <summary>
/// Rotary position embedding tables (cos and sin per position, laid out over the full head dim) and
/// the rotation itself. Positions are given per row, so rows of a batch may sit at different positions.
/// The tables are no checkpoint keys and stay float32 (the rotation runs in fp32). They follow the module's device
/// through the <c>_to</c> overrides below: TorchSharp moves no non-persistent buffer, so tables registered that way
/// stayed on the CPU under a model moved to CUDA.
/// </summary>
public sealed class RotaryEmbedding : nn.Module
{
    // A tuple, not two Tensor fields: the parent's RegisterComponents would make Tensor fields checkpoint keys.
    (Tensor Cos, Tensor Sin) tables;
    readonly int headDim;
    readonly int sections;
    readonly RotaryPairing pairing;

    /// <summary>Builds the tables for positions 0..<paramref name="rows"/>-1.</summary>
    public RotaryEmbedding(RotarySpec spec, int headDim, int rows, double ropeBase) : base(nameof(RotaryEmbedding))
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate(headDim, rows);
        this.headDim = headDim;
        sections = spec.Axes;
        pairing = spec.Pairing;
        var (c, s) = BuildTables(spec, headDim, rows, ropeBase);
        tables = (tensor(c, rows, headDim).DetachFromDisposeScope(), tensor(s, rows, headDim).DetachFromDisposeScope());
        Rows = rows;
    }

    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        MoveTables(device);
        return base._to(device, dtype, non_blocking);
    }

    protected override nn.Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        MoveTables(new Device(deviceType, deviceIndex));
        return base._to(deviceType, deviceIndex, non_blocking);
    }

    /// <summary>Where the tables are (the module's device once moved).</summary>
    internal DeviceType TablesDevice => tables.Cos.device_type;

    void MoveTables(Device device)
    {
        var (cos, sin) = tables;
        if (cos.device_type == device.type && cos.device_index == device.index) return;
        // The module outlives any dispose scope its move happens in.
        tables = (cos.to(device).DetachFromDisposeScope(), sin.to(device).DetachFromDisposeScope());
        cos.Dispose();
        sin.Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            tables.Cos.Dispose();
            tables.Sin.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>How many positions the tables cover.</summary>
    public long Rows { get; }

    /// <summary>
    /// Angle of every position and pair, laid out over the head dim: pair j of section s rotates
    /// dims (s*w + 2j, s*w + 2j + 1) when interleaved and (s*w + j, s*w + w/2 + j) for rotate-half,
    /// with w = headDim / sections.
    /// </summary>
    static (float[] Cos, float[] Sin) BuildTables(RotarySpec spec, int headDim, int rows, double ropeBase)
    {
        int width = headDim / spec.Axes, pairs = width / 2;
        var cosTable = new float[rows * headDim];
        var sinTable = new float[rows * headDim];
        var angle = new double[spec.Axes];
        for (int p = 0; p < rows; p++)
        {
            bool prefix = p < spec.PrefixLength;
            int k = p - spec.PrefixLength;
            if (spec.Axes == 1) angle[0] = k;
            else { angle[0] = k / spec.GridSize; angle[1] = k % spec.GridSize; }
            for (int s = 0; s < spec.Axes; s++)
                for (int j = 0; j < pairs; j++)
                {
                    double theta = angle[s] * Math.Pow(ropeBase, -2.0 * j / width);
                    double c = Math.Cos(theta), sn = Math.Sin(theta);
                    if (prefix) (c, sn) = spec.Prefix == PrefixRotation.Zero ? (0.0, 0.0) : (1.0, 0.0);
                    int first = spec.Pairing == RotaryPairing.Interleaved ? s * width + 2 * j : s * width + j;
                    int second = spec.Pairing == RotaryPairing.Interleaved ? first + 1 : first + pairs;
                    cosTable[p * headDim + first] = cosTable[p * headDim + second] = (float)c;
                    // The pair's sign folded in: the rotation's (-b, a) is the swapped pair (b, a) times (-sin, +sin).
                    sinTable[p * headDim + first] = (float)-sn;
                    sinTable[p * headDim + second] = (float)sn;
                }
        }
        return (cosTable, sinTable);
    }

    /// <summary>
    /// cos and sin for <paramref name="positions"/> [batch, time], shaped [batch, 1, time, head_dim] to broadcast over heads,
    /// for <see cref="Apply"/>. The sin carries each pair's sign (-sin on a pair's first dim, +sin on its second).
    /// </summary>
    public (Tensor Cos, Tensor Sin) At(Tensor positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.dim() != 2) throw new ArgumentException($"Positions must be [batch, time], got [{string.Join(", ", positions.shape)}].", nameof(positions));
        if (positions.numel() > 0)
        {
            long lo = positions.min().item<long>(), hi = positions.max().item<long>();
            if (lo < 0 || hi >= Rows)
                throw new ArgumentException($"Positions {lo}..{hi} fall outside the RoPE table (0..{Rows - 1}); raise max_seq_len.", nameof(positions));
        }
        return AtUnchecked(positions);
    }

    /// <summary><see cref="At"/> for positions the caller has already checked against <see cref="Rows"/> (no device round trip).</summary>
    internal (Tensor Cos, Tensor Sin) AtUnchecked(Tensor positions)
    {
        var flat = positions.reshape(-1);
        long b = positions.shape[0], t = positions.shape[1];
        return (tables.Cos.index_select(0, flat).view(b, 1, t, headDim), tables.Sin.index_select(0, flat).view(b, 1, t, headDim));
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, time, head_dim] (or any layout with head_dim last that the angles broadcast over) by the angles from <see cref="At"/>.</summary>
    public Tensor Apply(Tensor x, Tensor cosAt, Tensor sinAt)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cosAt);
        ArgumentNullException.ThrowIfNull(sinAt);
        // Rotate in fp32 like LlamaGen (x.float() ... type_as(x)), so half-precision models rotate exactly. The dtype checks
        // skip no-op conversions: a cached decode step rotates in every layer, and each call costs microseconds.
        bool widen = x.dtype is not (ScalarType.Float32 or ScalarType.Float64);
        var xf = widen ? x.to(ScalarType.Float32) : x;
        var cos = cosAt.dtype == xf.dtype ? cosAt : cosAt.to(xf.dtype);
        var sin = sinAt.dtype == xf.dtype ? sinAt : sinAt.to(xf.dtype);
        // Every pair (a, b) becomes (a cos - b sin, b cos + a sin): the pair swapped, times the signed sin.
        var rotated = (xf * cos).add_(SwapPairs(xf) * sin); // out of place: the angles may broadcast wider than x
        return widen ? rotated.to(x.dtype) : rotated;
    }

    /// <summary>Swaps the two dims of every pair: (a, b) to (b, a), a new tensor.</summary>
    Tensor SwapPairs(Tensor x)
    {
        var shape = x.shape;
        var lead = shape[..^1];
        return pairing == RotaryPairing.Interleaved
            ? x.reshape([.. lead, headDim / 2, 2]).flip(-1).reshape(shape)
            : x.reshape([.. lead, sections, 2, headDim / sections / 2]).flip(-2).reshape(shape);
    }
}
