namespace Media.Services.Image.Data;

/// <summary>
/// SplitMix64: a tiny, fully specified generator, so a seed gives the same data on every platform and
/// .NET version (System.Random's algorithm is an implementation detail).
/// </summary>
internal sealed class DeterministicRandom(ulong seed)
{
    ulong state = seed;

    /// <summary>Mixes several values into one well-spread seed.</summary>
    public static ulong Mix(params ulong[] values)
    {
        ulong h = 0x243F6A8885A308D3;
        foreach (var v in values) h = Finalize(h ^ Finalize(v + 0x9E3779B97F4A7C15));
        return h;
    }

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15;
        return Finalize(state);
    }

    /// <summary>Uniform in [0, count); the modulo bias is below 2^-50 for our counts.</summary>
    public int Next(int count) => (int)(NextUInt64() % (ulong)count);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [-limit, limit).</summary>
    public double Symmetric(double limit) => (2 * NextDouble() - 1) * limit;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
