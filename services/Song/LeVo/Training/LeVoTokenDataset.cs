using Media.Services.Song.Training;
using Media.Tokenizers.Audio.Kmeans;

namespace Media.Services.Song.LeVo.Training;

/// <summary>
/// A corpus song as LeVo trains on it: its excerpt's description and lyrics ids, and its three token streams (the vocal and
/// accompaniment null when the dataset reads only the mixes, as stage 1 does).
/// </summary>
public sealed record LeVoExample(ulong Seed, string Description, int[] Lyrics, int[] Mixed, int[]? Vocal, int[]? Accompaniment)
{
    /// <summary>Tokens per stream.</summary>
    public int Tokens => Mixed.Length;
}

/// <summary>
/// LeVo's three streams of a corpus song, from the SongGen token caches of the same run settings: the mix's codec codes
/// (a mixed-pro cache) and the vocal and accompaniment codes (a dual-track cache) of one excerpt, each re-tokenized by the
/// <see cref="CodecLatentTokenizer"/> (no song is generated or encoded again when both caches hold it; a missing one is
/// made and cached by its cache, as SongGen's training does). Without a track cache it reads the mixes alone: stage 1 trains
/// the main LM on the mixed stream only, so it needs no dual-track cache of its songs.
/// </summary>
public sealed class LeVoTokenDataset(SongTokenCache mixes, SongTokenCache? tracks, CodecLatentTokenizer tokenizer)
{
    // Tokenized once per song: a run draws every song many times, and an example is a few hundred ints.
    readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, LeVoExample> examples = new();

    /// <summary>The tokenizer of the streams.</summary>
    public CodecLatentTokenizer Tokenizer => tokenizer;

    /// <summary>Whether the examples hold the vocal and accompaniment streams (stage 2 and DPO need them).</summary>
    public bool HasTracks => tracks is not null;

    /// <summary>
    /// The codec codes [codebook][frame] of song <paramref name="seed"/>'s mix, vocal and accompaniment from the two caches (what the tokenizer is fitted on, before
    /// there is a tokenizer), checked to be of one excerpt.
    /// </summary>
    public static (int[][] Mix, int[][] Vocal, int[][] Accompaniment, SongTrainingExample Example) Codes(SongTokenCache mixes, SongTokenCache tracks, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(mixes);
        ArgumentNullException.ThrowIfNull(tracks);
        var mix = mixes.Get(seed);
        var dual = tracks.Get(seed);
        if (mix.Mix is null || dual.Vocals is null || dual.Accompaniment is null)
            throw new InvalidOperationException($"Song {seed}: the mix cache must hold the mix and the track cache the vocal and accompaniment codes.");
        if (mix.Frames != dual.Frames || !mix.Lyrics.SequenceEqual(dual.Lyrics))
            throw new InvalidOperationException($"Song {seed}: the two caches hold different excerpts ({mix.Frames} and {dual.Frames} frames); were they made with the same --seconds?");
        return (mix.Mix, dual.Vocals, dual.Accompaniment, mix);
    }

    /// <summary>The example of song <paramref name="seed"/>.</summary>
    public LeVoExample Get(ulong seed) => examples.GetOrAdd(seed, Make);

    LeVoExample Make(ulong seed)
    {
        if (tracks is null)
        {
            var mixOnly = mixes.Get(seed);
            if (mixOnly.Mix is null) throw new InvalidOperationException($"Song {seed}: the mix cache must hold the mix codes.");
            return new LeVoExample(seed, mixOnly.Description, mixOnly.Lyrics, tokenizer.Tokens(mixOnly.Mix), null, null);
        }
        var (mix, vocal, accompaniment, example) = Codes(mixes, tracks, seed);
        return new LeVoExample(seed, example.Description, example.Lyrics, tokenizer.Tokens(mix), tokenizer.Tokens(vocal), tokenizer.Tokens(accompaniment));
    }
}
