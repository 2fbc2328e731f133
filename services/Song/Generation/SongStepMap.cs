using Media.Services.Song.Data;

namespace Media.Services.Song.Generation;

/// <summary>
/// Where every code of a song of <see cref="Frames"/> frames sits in a mode's layout: for each (stream, step) the track,
/// codebook and frame it holds, or the bos/pad id the layout fixes there (forced in generation); and the step after which
/// each frame of every track is complete (so audio can be decoded while later steps are still sampled). Built by laying
/// out unique placeholder codes with <see cref="SongTokenLayout.Arrange"/>, so it is the layout's own pattern by construction.
/// </summary>
public sealed class SongStepMap
{
    readonly int[][] forced;   // [stream][step]: the fixed id, or -1 where a code is sampled
    readonly (int Track, int Codebook, int Frame)[][] slots;

    /// <summary>The map of <paramref name="mode"/> for <paramref name="frames"/> frames of <paramref name="codebooks"/> codebooks.</summary>
    public SongStepMap(SongMode mode, int codebooks, int codebookSize, int frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        Frames = frames;
        Codebooks = codebooks;
        Tracks = SongModes.IsDualTrack(mode) ? 2 : 1;
        // Placeholder code (1 + index) of track t, codebook k, frame f; the placeholders' "codebook size" lies above them all.
        int placeholderSize = 1 + 2 * codebooks * frames;
        int[][] Track(int t) => [.. Enumerable.Range(0, codebooks).Select(k => Enumerable.Range(0, frames).Select(f => 1 + (t * codebooks + k) * frames + f).ToArray())];
        var codes = Tracks == 1 ? new SongCodes(Track(0), mode == SongMode.MixedPro ? Track(1) : null, null) : new SongCodes(null, Track(1), Track(0));
        var layout = SongTokenLayout.Arrange(mode, codes, placeholderSize);
        int bos = SongTokenLayout.Bos(placeholderSize), pad = SongTokenLayout.Pad(placeholderSize);
        Streams = layout.Streams.Length;
        Steps = layout.Steps;
        forced = new int[Streams][];
        slots = new (int, int, int)[Streams][];
        var readyAt = new int[frames];
        for (int s = 0; s < Streams; s++)
        {
            forced[s] = new int[Steps];
            slots[s] = new (int, int, int)[Steps];
            for (int j = 0; j < Steps; j++)
            {
                int v = layout.Streams[s][j];
                if (v == bos || v == pad)
                {
                    forced[s][j] = v == bos ? SongTokenLayout.Bos(codebookSize) : SongTokenLayout.Pad(codebookSize);
                    continue;
                }
                forced[s][j] = -1;
                int index = v - 1, f = index % frames, tk = index / frames;
                // In the dual-track layouts track 0 is the accompaniment and track 1 the vocal.
                slots[s][j] = (tk / codebooks, tk % codebooks, f);
                readyAt[f] = Math.Max(readyAt[f], j);
            }
        }
        for (int f = 1; f < frames; f++) readyAt[f] = Math.Max(readyAt[f], readyAt[f - 1]);
        ReadyAt = readyAt;
    }

    /// <summary>Frames per track.</summary>
    public int Frames { get; }

    /// <summary>Codebooks per track.</summary>
    public int Codebooks { get; }

    /// <summary>1 (the mix) or 2 (accompaniment, vocal).</summary>
    public int Tracks { get; }

    /// <summary>Streams per step.</summary>
    public int Streams { get; }

    /// <summary>Steps of the layout, the all-bos start included.</summary>
    public int Steps { get; }

    /// <summary>The step index after which frame f of every track is complete (non-decreasing).</summary>
    public IReadOnlyList<int> ReadyAt { get; }

    /// <summary>The id the layout fixes at (<paramref name="stream"/>, <paramref name="step"/>), or null where a code is sampled.</summary>
    public int? Forced(int stream, int step) => forced[stream][step] is >= 0 and var id ? id : null;

    /// <summary>The track, codebook and frame a sampled position holds.</summary>
    public (int Track, int Codebook, int Frame) Slot(int stream, int step) => slots[stream][step];

    /// <summary>Frames complete once steps 0..<paramref name="lastStep"/> are known.</summary>
    public int FramesReady(int lastStep)
    {
        int n = 0;
        while (n < Frames && ReadyAt[n] <= lastStep) n++;
        return n;
    }
}
