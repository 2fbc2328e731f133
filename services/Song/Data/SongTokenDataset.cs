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

    /// <summary>Audio encoded past an excerpt's end: the encoder's convolutions look a few frames ahead, so with this margin the
    /// excerpt's codes are those of the whole track's encoding.</summary>
    public const double EncodeMarginSeconds = 0.5;

    /// <summary>The example of song <paramref name="seed"/> in <paramref name="mode"/>.</summary>
    /// <param name="excerptSeconds">When set, only the audio that the song's opening of this many seconds
    /// (<see cref="SongExcerpt"/>) needs is encoded, plus <see cref="EncodeMarginSeconds"/>: training crops every song to
    /// that opening, and encoding whole 20-45 s tracks was most of the time a training run spent making its token cache.</param>
    public SongTokenExample Example(ulong seed, SongMode mode, double? excerptSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var song = generator.Generate(seed);
        var (sections, error) = LyricsText.Parse(song.Lyrics.Text);
        if (error is not null) throw new InvalidOperationException($"Corpus song {seed} has lyrics a request could not send: {error}.");
        int length = song.Mix.Length;
        if (excerptSeconds is { } seconds)
        {
            double needed = SongExcerpt.Of(song, seconds, codec.Model.Config.FrameRate).Seconds + EncodeMarginSeconds;
            length = (int)Math.Min(length, Math.Ceiling(needed * song.SampleRate));
        }
        bool dual = SongModes.IsDualTrack(mode);
        var codes = new SongCodes(
            dual ? null : Encode(song.Mix, length, song.SampleRate),
            dual || mode == SongMode.MixedPro ? Encode(song.Vocals, length, song.SampleRate) : null,
            dual ? Encode(song.Accompaniment, length, song.SampleRate) : null);
        return new SongTokenExample(seed, LyricsTokenizer.Encode(sections), song.Style.Text, codes, SongTokenLayout.Arrange(mode, codes, CodebookSize), song);
    }

    int[][] Encode(float[] samples, int length, int sampleRate) =>
        [.. codec.Encode(AudioBuffer.FromMono(length == samples.Length ? samples : samples[..length], sampleRate), bandwidthKbps).Codes.Select(row => row.ToArray())];
}
