namespace Media.Audio.Corpora;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a small generator whose sequence for a seed is fixed by its
/// definition, unlike System.Random whose seeded algorithm may change between .NET versions. Corpora use
/// it so a seed names the same data on every machine and runtime.
/// </summary>
public sealed class SeededRandom(ulong seed)
{
    ulong state = seed;

    /// <summary>A seed for sub-stream <paramref name="index"/> of <paramref name="seed"/> (items generated independently of each other).</summary>
    public static ulong Derive(ulong seed, ulong index) => Finalize(seed ^ Finalize(index + 0x9E3779B97F4A7C15UL));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Finalize(state);
    }

    static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxExclusive, 0);
        return (int)(NextDouble() * maxExclusive);
    }

    /// <summary>Uniform integer in [minInclusive, maxExclusive).</summary>
    public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A uniformly chosen element.</summary>
    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items[Next(items.Count)];
    }

    /// <summary>Standard normal by Box-Muller.</summary>
    public double Gaussian()
    {
        double u = 1 - NextDouble(), v = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
