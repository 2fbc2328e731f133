using Media.Modeling.Sequences;

namespace Media.Services.Song.Data;

/// <summary>Code matrices (<c>[codebook][frame]</c>) of a song's tracks; a mode uses the mix, or the vocal and accompaniment (and mixed-pro the mix and vocal).</summary>
public sealed record SongCodes(int[][]? Mix, int[][]? Vocals, int[][]? Accompaniment);

/// <summary>
/// A song's codec tokens laid out for the decoder in one mode: <see cref="Streams"/> are the ids read and predicted at
/// each step (<c>[stream][step]</c>; K streams, or 2K for the parallel modes), starting with one all-<c>bos</c> step;
/// <see cref="VocalTargets"/> are mixed-pro's auxiliary vocal targets in the same steps.
/// </summary>
public sealed record SongTokenSequence(SongMode Mode, int Codebooks, int Frames, int[][] Streams, int[][]? VocalTargets)
{
    /// <summary>Decoder steps.</summary>
    public int Steps => Streams[0].Length;
}

/// <summary>
/// SongGen's token patterns over our RVQ codec (pad/end id = codebook size, bos = codebook size + 1, as SongGen's 1024
/// and 1025): every track gets the codebook delay pattern (<see cref="DelayPattern"/>); then mixed and mixed-pro use the
/// mix alone; parallel stacks accompaniment and vocal codebooks at one step, the A-V and V-A variants lagging the second
/// track by one step; interleaving alternates the two tracks step by step (accompaniment first for A-V). Every layout
/// starts with one all-bos step. <see cref="Split"/> recovers the codes.
/// </summary>
public static class SongTokenLayout
{
    /// <summary>The padding (and end-of-audio) id for codebooks of <paramref name="codebookSize"/> codes.</summary>
    public static int Pad(int codebookSize) => codebookSize;

    /// <summary>The start id for codebooks of <paramref name="codebookSize"/> codes.</summary>
    public static int Bos(int codebookSize) => codebookSize + 1;

    /// <summary>Lays out <paramref name="codes"/> for <paramref name="mode"/>.</summary>
    public static SongTokenSequence Arrange(SongMode mode, SongCodes codes, int codebookSize)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentOutOfRangeException.ThrowIfLessThan(codebookSize, 2);
        int bos = Bos(codebookSize), pad = Pad(codebookSize);
        int[][] Delayed(int[][]? track, string name) =>
            DelayPattern.Build(track ?? throw new ArgumentException($"Mode {SongModes.Name(mode)} needs the {name} codes.", nameof(codes)), bos, pad);
        int[][] Start(int[][] rows) => [.. rows.Select(r => (int[])[bos, .. r])];
        switch (mode)
        {
            case SongMode.Mixed:
            case SongMode.MixedPro:
            {
                var mix = Delayed(codes.Mix, "mix");
                var vocal = mode == SongMode.MixedPro ? Start(Delayed(codes.Vocals, "vocal")) : null;
                if (vocal is not null && vocal[0].Length != mix[0].Length + 1) throw new ArgumentException("The mix and vocal codes differ in length.", nameof(codes));
                return new SongTokenSequence(mode, mix.Length, codes.Mix!.Length == 0 ? 0 : codes.Mix[0].Length, Start(mix), vocal);
            }
        }
        var accompaniment = Delayed(codes.Accompaniment, "accompaniment");
        var vocals = Delayed(codes.Vocals, "vocal");
        if (accompaniment.Length != vocals.Length || accompaniment[0].Length != vocals[0].Length)
            throw new ArgumentException("The vocal and accompaniment codes differ in shape.", nameof(codes));
        int k = vocals.Length, frames = codes.Vocals![0].Length;
        int[][] streams = mode switch
        {
            SongMode.Parallel => [.. accompaniment, .. vocals],
            // The lagging track starts one step later (a bos first) and the leading one ends with a pad.
            SongMode.ParallelAV => [.. accompaniment.Select(r => (int[])[.. r, pad]), .. vocals.Select(r => (int[])[bos, .. r])],
            SongMode.ParallelVA => [.. accompaniment.Select(r => (int[])[bos, .. r]), .. vocals.Select(r => (int[])[.. r, pad])],
            SongMode.InterleavingAV => Interleave(accompaniment, vocals),
            SongMode.InterleavingVA => Interleave(vocals, accompaniment),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown mode."),
        };
        return new SongTokenSequence(mode, k, frames, Start(streams), null);
    }

    /// <summary>The codes a layout holds (the inverse of <see cref="Arrange"/>): the mix (and mixed-pro's vocal), or the two tracks.</summary>
    public static SongCodes Split(SongTokenSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        int k = sequence.Codebooks;
        int[][] Body(int[][] rows) => [.. rows.Select(r => r[1..])];
        var body = Body(sequence.Streams);
        switch (sequence.Mode)
        {
            case SongMode.Mixed: return new SongCodes(DelayPattern.Undo(body), null, null);
            case SongMode.MixedPro: return new SongCodes(DelayPattern.Undo(body), sequence.VocalTargets is { } v ? DelayPattern.Undo(Body(v)) : null, null);
            case SongMode.Parallel: return new SongCodes(null, DelayPattern.Undo(body[k..]), DelayPattern.Undo(body[..k]));
            case SongMode.ParallelAV: return new SongCodes(null, DelayPattern.Undo(body[k..].Select(r => r[1..]).ToArray()), DelayPattern.Undo(body[..k].Select(r => r[..^1]).ToArray()));
            case SongMode.ParallelVA: return new SongCodes(null, DelayPattern.Undo(body[k..].Select(r => r[..^1]).ToArray()), DelayPattern.Undo(body[..k].Select(r => r[1..]).ToArray()));
            case SongMode.InterleavingAV:
            {
                var (first, second) = Deinterleave(body);
                return new SongCodes(null, DelayPattern.Undo(second), DelayPattern.Undo(first));
            }
            case SongMode.InterleavingVA:
            {
                var (first, second) = Deinterleave(body);
                return new SongCodes(null, DelayPattern.Undo(first), DelayPattern.Undo(second));
            }
            default: throw new ArgumentOutOfRangeException(nameof(sequence), sequence.Mode, "Unknown mode.");
        }
    }

    static int[][] Interleave(int[][] first, int[][] second) =>
        [.. first.Select((row, c) => Enumerable.Range(0, 2 * row.Length).Select(s => s % 2 == 0 ? row[s / 2] : second[c][s / 2]).ToArray())];

    static (int[][] First, int[][] Second) Deinterleave(int[][] rows) =>
        ([.. rows.Select(r => r.Where((_, s) => s % 2 == 0).ToArray())], [.. rows.Select(r => r.Where((_, s) => s % 2 == 1).ToArray())]);
}
