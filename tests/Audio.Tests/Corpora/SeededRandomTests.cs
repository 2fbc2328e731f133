using Media.Audio.Corpora;

namespace Media.Audio.Tests.Corpora;

public sealed class SeededRandomTests
{
    [Fact]
    public void The_sequence_is_splitmix64()
    {
        // Reference values of SplitMix64 seeded with 1234567 (from the algorithm's public reference implementation).
        var random = new SeededRandom(1234567);
        Assert.Equal(6457827717110365317UL, random.NextUInt64());
        Assert.Equal(3203168211198807973UL, random.NextUInt64());
        Assert.Equal(9817491932198370423UL, random.NextUInt64());
    }

    [Fact]
    public void Uniform_draws_stay_in_range_and_cover_it()
    {
        var random = new SeededRandom(3);
        var counts = new int[10];
        for (int i = 0; i < 10000; i++) counts[random.Next(10)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }
}
