using CsCheck;

namespace Media.Tests.Support.Fuzzing;

/// <summary>
/// Byte-level mutation of valid seeds, as libFuzzer and AFL do it: a generated plan (which seed, then up to
/// eight edits, each an operation with a position and a value) is applied to a copy of the seed. CsCheck shrinks
/// the plan (fewer edits, smaller numbers), so a failure is reported as the smallest edit list that still fails.
/// </summary>
public static class ByteMutations
{
    /// <summary>One edit: <see cref="Operation"/> at <see cref="Position"/> (taken modulo the length) with <see cref="Value"/>.</summary>
    public readonly record struct Edit(int Operation, uint Position, uint Value);

    const int Operations = 12;

    // Values that sit on the edges parsers get wrong: sizes of 0, 1, all ones, sign bits, just past 16 and 31 bits.
    static readonly uint[] Interesting32 = [0, 1, 2, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFE, 44, 4096];
    static readonly ushort[] Interesting16 = [0, 1, 2, 3, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE, 8, 16, 24, 32, 64, 0xFFFD];

    public static Gen<Edit> EditGen { get; } = Gen.Select(Gen.Int[0, Operations - 1], Gen.UInt, Gen.UInt, (o, p, v) => new Edit(o, p, v));

    /// <summary>A seed (by index) and the edits to make to it.</summary>
    public static Gen<(int Seed, Edit[] Edits)> Plan(int seeds, int maxEdits = 8) =>
        Gen.Select(Gen.Int[0, seeds - 1], EditGen.Array[0, maxEdits]);

    /// <summary>Mutated copies of <paramref name="seeds"/>.</summary>
    public static Gen<byte[]> Of(IReadOnlyList<byte[]> seeds, int maxEdits = 8) =>
        Plan(seeds.Count, maxEdits).Select(plan => Apply(seeds, plan.Seed, plan.Edits));

    public static byte[] Apply(IReadOnlyList<byte[]> seeds, int seed, IEnumerable<Edit> edits)
    {
        var bytes = new List<byte>(seeds[seed]);
        foreach (var e in edits) Apply(bytes, seeds, e);
        return [.. bytes];
    }

    static void Apply(List<byte> b, IReadOnlyList<byte[]> seeds, Edit e)
    {
        int At(int extra = 0) => b.Count + extra == 0 ? 0 : (int)(e.Position % (uint)(b.Count + extra));
        int Length(int max) => 1 + (int)(e.Value % (uint)max);
        switch (e.Operation)
        {
            case 0 when b.Count > 0: { int i = At(); b[i] ^= (byte)(1 << (int)(e.Value % 8)); break; }
            case 1 when b.Count > 0: b[At()] = (byte)e.Value; break;
            case 2 when b.Count > 0: b[At()] = (byte)Interesting32[e.Value % (uint)Interesting32.Length]; break;
            case 3 when b.Count >= 4: { uint v = Interesting32[e.Value % (uint)Interesting32.Length]; int i = At(-3); for (int k = 0; k < 4; k++) b[i + k] = (byte)(v >> (8 * k)); break; }
            case 4 when b.Count >= 2: { ushort v = Interesting16[e.Value % (uint)Interesting16.Length]; int i = At(-1); b[i] = (byte)v; b[i + 1] = (byte)(v >> 8); break; }
            case 5: { int i = At(1); var insert = new byte[Length(64)]; new Random((int)e.Value).NextBytes(insert); b.InsertRange(i, insert); break; }
            case 6 when b.Count > 0: { int i = At(); b.RemoveRange(i, Math.Min(Length(64), b.Count - i)); break; }
            case 7 when b.Count > 0: { int i = At(); int n = Math.Min(Length(64), b.Count - i); b.InsertRange(i, b.GetRange(i, n)); break; }
            case 8 when b.Count > 0: b.RemoveRange(At(), b.Count - At()); break;
            case 9:
            {
                // Splice: this input's head up to a point, another seed's tail from a point.
                var other = seeds[(int)(e.Value % (uint)seeds.Count)];
                int cut = At(1), from = other.Length == 0 ? 0 : (int)(e.Value / 7 % (uint)other.Length);
                b.RemoveRange(cut, b.Count - cut);
                b.AddRange(other.AsSpan(from).ToArray());
                break;
            }
            case 10 when b.Count > 0: { int i = At(); b[i] = (byte)(b[i] + (int)(e.Value % 35) - 17); break; }
            case 11: { int i = At(1); b.InsertRange(i, Enumerable.Repeat((byte)e.Value, Length(16))); break; }
            default: break; // an edit that needs more bytes than there are leaves the input as it is
        }
    }
}
