namespace Media.Services.Song;

/// <summary>
/// SongGen's generation modes (Liu et al. 2025): one mixed track, or vocal and accompaniment tracks generated together.
/// </summary>
public enum SongMode
{
    /// <summary>The mix as one token stream.</summary>
    Mixed,
    /// <summary>The mix, with auxiliary heads predicting the vocal track's tokens (training signal only).</summary>
    MixedPro,
    /// <summary>Both tracks at each step: accompaniment codebooks then vocal codebooks (2K streams).</summary>
    Parallel,
    /// <summary>Parallel, the vocal one step behind the accompaniment.</summary>
    ParallelAV,
    /// <summary>Parallel, the accompaniment one step behind the vocal.</summary>
    ParallelVA,
    /// <summary>The tracks alternate frame by frame, accompaniment first (2T steps of K streams).</summary>
    InterleavingAV,
    /// <summary>The tracks alternate frame by frame, vocal first.</summary>
    InterleavingVA,
}

/// <summary>Request names of <see cref="SongMode"/> and what each needs.</summary>
public static class SongModes
{
    static readonly (SongMode Mode, string Name)[] Names =
    [
        (SongMode.Mixed, "mixed"), (SongMode.MixedPro, "mixed-pro"), (SongMode.Parallel, "parallel"), (SongMode.ParallelAV, "parallel-a-v"),
        (SongMode.ParallelVA, "parallel-v-a"), (SongMode.InterleavingAV, "interleaving-a-v"), (SongMode.InterleavingVA, "interleaving-v-a"),
    ];

    /// <summary>Every mode's request name, in the paper's order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>The request name of <paramref name="mode"/>.</summary>
    public static string Name(SongMode mode) => Names.First(n => n.Mode == mode).Name;

    /// <summary>The mode called <paramref name="name"/>.</summary>
    public static SongMode Parse(string name) =>
        Names.FirstOrDefault(n => n.Name == name) is { Name: not null } found ? found.Mode
        : throw new ArgumentException($"Unknown song mode '{name}'; known: {string.Join(", ", All)}.", nameof(name));

    /// <summary>Whether the mode generates separate vocal and accompaniment tracks (and so gives stems).</summary>
    public static bool IsDualTrack(SongMode mode) => mode is not (SongMode.Mixed or SongMode.MixedPro);
}
