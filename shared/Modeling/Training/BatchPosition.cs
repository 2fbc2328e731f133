using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>
/// Which micro-batch the trainer asks a data source for. A data source must return the same batch
/// for the same position, which is what makes a resumed run continue exactly; the helpers give
/// random sources that depend on the position alone, so no random state needs saving.
/// </summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="Step">0-based optimizer step.</param>
/// <param name="MicroBatch">0-based micro-batch within the step.</param>
/// <param name="MicroBatches">Micro-batches per step (gradient accumulation).</param>
/// <param name="Device">Where the model lives; batches should be created there.</param>
public readonly record struct BatchPosition(long Seed, long Step, int MicroBatch, int MicroBatches, Device Device)
{
    /// <summary>Micro-batches consumed before this one: the data position.</summary>
    public long Index => Step * MicroBatches + MicroBatch;

    /// <summary>A 64-bit seed mixed from (seed, index) with SplitMix64, different for every position.</summary>
    public ulong DerivedSeed => Mix(Mix((ulong)Seed) ^ (ulong)Index);

    /// <summary>A System.Random seeded by the position.</summary>
    public Random CreateRandom() => new((int)(DerivedSeed & int.MaxValue));

    /// <summary>A torch generator seeded by the position (on CPU, the generator kind every device can sample from).</summary>
    public Generator CreateGenerator() => new(DerivedSeed, CPU);

    static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
