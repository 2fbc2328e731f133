namespace Media.Services.Song.Generation;

/// <summary>A generated song: the mix and, from a dual-track mode, its vocal and accompaniment stems; mono at <see cref="SampleRate"/>.</summary>
public sealed record SongAudio(float[] Mix, float[]? Vocals, float[]? Accompaniment, int SampleRate, double FirstChunkSeconds, double Seconds)
{
    /// <summary>Two tracks summed sample by sample, as long as the shorter: a dual-track song's mix.</summary>
    public static float[] Sum(float[] first, float[] second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var sum = new float[Math.Min(first.Length, second.Length)];
        for (int i = 0; i < sum.Length; i++) sum[i] = first[i] + second[i];
        return sum;
    }
}
