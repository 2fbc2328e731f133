using Media.Audio.Corpora;
using Media.Audio.IO;
using Media.Services.Song.Lyrics;
using Media.Tokenizers.Audio.Codec;

namespace Media.Services.Song.Data;

/// <summary>One training example: lyrics tokens, the description text, the tracks' codec tokens and their layout for a mode.</summary>
public sealed record SongTokenExample(ulong Seed, int[] Lyrics, string Description, SongCodes Codes, SongTokenSequence Sequence, LyricSong Song);

/// <summary>
/// Turns corpus songs (<see cref="LyricSongGenerator"/>, generated on demand from their seed, never stored) into what the
/// song model trains on: the lyrics through the request path (<see cref="LyricsText"/>, <see cref="LyricsTokenizer"/>),
/// so training sees exactly what serving will; the description text; the mix, vocal and accompaniment encoded by the
/// codec at <paramref name="bandwidthKbps"/> (the tracks a mode needs); and their <see cref="SongTokenLayout"/>.
/// </summary>
public sealed class SongTokenDataset(LyricSongGenerator generator, NeuralAudioCodec codec, double? bandwidthKbps = null)
{
    /// <summary>Ids per codebook of the codec.</summary>
    public int CodebookSize => codec.Model.Config.CodebookSize;

    /// <summary>The example of song <paramref name="seed"/> in <paramref name="mode"/>.</summary>
    public SongTokenExample Example(ulong seed, SongMode mode)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var song = generator.Generate(seed);
        var (sections, error) = LyricsText.Parse(song.Lyrics.Text);
        if (error is not null) throw new InvalidOperationException($"Corpus song {seed} has lyrics a request could not send: {error}.");
        bool dual = SongModes.IsDualTrack(mode);
        var codes = new SongCodes(
            dual ? null : Encode(song.Mix, song.SampleRate),
            dual || mode == SongMode.MixedPro ? Encode(song.Vocals, song.SampleRate) : null,
            dual ? Encode(song.Accompaniment, song.SampleRate) : null);
        return new SongTokenExample(seed, LyricsTokenizer.Encode(sections), song.Style.Text, codes, SongTokenLayout.Arrange(mode, codes, CodebookSize), song);
    }

    int[][] Encode(float[] samples, int sampleRate) =>
        [.. codec.Encode(AudioBuffer.FromMono(samples, sampleRate), bandwidthKbps).Codes.Select(row => row.ToArray())];
}
