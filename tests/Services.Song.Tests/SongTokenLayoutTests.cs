using Media.Audio.Corpora;
using Media.Services.Audio.Codec;
using Media.Services.Song.Data;
using Media.Services.Song.Lyrics;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Services.Song.Tests;

public sealed class SongTokenLayoutTests
{
    const int Size = 1024, K = 4, T = 6;

    static int[][] Codes(int offset) => [.. Enumerable.Range(0, K).Select(k => Enumerable.Range(0, T).Select(t => offset + 10 * k + t).ToArray())];

    static readonly SongCodes All = new(Codes(100), Codes(300), Codes(500));

    [Fact]
    public void Every_mode_round_trips_its_tracks()
    {
        foreach (string name in SongModes.All)
        {
            var mode = SongModes.Parse(name);
            var sequence = SongTokenLayout.Arrange(mode, All, Size);
            var back = SongTokenLayout.Split(sequence);
            if (SongModes.IsDualTrack(mode))
            {
                Assert.Equal(All.Vocals, back.Vocals);
                Assert.Equal(All.Accompaniment, back.Accompaniment);
                Assert.Null(back.Mix);
            }
            else
            {
                Assert.Equal(All.Mix, back.Mix);
                if (mode == SongMode.MixedPro) Assert.Equal(All.Vocals, back.Vocals);
            }
            Assert.All(sequence.Streams, s => Assert.Equal(SongTokenLayout.Bos(Size), s[0]));
        }
    }

    [Fact]
    public void Layouts_have_SongGen_shapes()
    {
        int delayed = T + K - 1;
        var mixed = SongTokenLayout.Arrange(SongMode.Mixed, All, Size);
        Assert.Equal((K, 1 + delayed), (mixed.Streams.Length, mixed.Steps));
        Assert.Null(mixed.VocalTargets);
        var pro = SongTokenLayout.Arrange(SongMode.MixedPro, All, Size);
        Assert.Equal(pro.Steps, pro.VocalTargets![0].Length);
        var parallel = SongTokenLayout.Arrange(SongMode.Parallel, All, Size);
        Assert.Equal((2 * K, 1 + delayed), (parallel.Streams.Length, parallel.Steps));
        var lagged = SongTokenLayout.Arrange(SongMode.ParallelAV, All, Size);
        Assert.Equal((2 * K, 2 + delayed), (lagged.Streams.Length, lagged.Steps));
        // A-V: the vocal's first code comes one step after the accompaniment's.
        Assert.Equal(All.Accompaniment![0][0], lagged.Streams[0][1]);
        Assert.Equal(SongTokenLayout.Bos(Size), lagged.Streams[K][1]);
        Assert.Equal(All.Vocals![0][0], lagged.Streams[K][2]);
        var interleaved = SongTokenLayout.Arrange(SongMode.InterleavingAV, All, Size);
        Assert.Equal((K, 1 + 2 * delayed), (interleaved.Streams.Length, interleaved.Steps));
        Assert.Equal([All.Accompaniment[0][0], All.Vocals[0][0], All.Accompaniment[0][1], All.Vocals[0][1]], interleaved.Streams[0][1..5]);
        var vocalFirst = SongTokenLayout.Arrange(SongMode.InterleavingVA, All, Size);
        Assert.Equal(All.Vocals[0][0], vocalFirst.Streams[0][1]);
    }

    [Fact]
    public void A_mode_without_its_tracks_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SongTokenLayout.Arrange(SongMode.Parallel, new SongCodes(Codes(1), null, null), Size));
        Assert.Throws<ArgumentException>(() => SongTokenLayout.Arrange(SongMode.Mixed, new SongCodes(null, Codes(1), Codes(2)), Size));
        Assert.Throws<ArgumentException>(() => SongModes.Parse("duet"));
    }

    [EspeakFact]
    [Slow("renders a song with espeak-ng and encodes three tracks")]
    public void A_corpus_song_becomes_lyrics_tokens_a_description_and_codec_tokens()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var codec = new NeuralAudioCodec(new EncodecModel(RandomCodecCheckpoint.Tiny));
        var dataset = new SongTokenDataset(new LyricSongGenerator(16000), codec);
        var example = dataset.Example(12, SongMode.InterleavingAV);
        var again = dataset.Example(12, SongMode.InterleavingAV);
        Assert.Equal(example.Sequence.Streams, again.Sequence.Streams);
        Assert.Equal(example.Song.Lyrics.Text.ToLowerInvariant(), LyricsTokenizer.Decode(example.Lyrics));
        Assert.Equal(example.Song.Style.Text, example.Description);
        int frames = (int)Math.Ceiling(example.Song.Mix.Length / (double)codec.Model.Config.HopLength);
        Assert.Equal(frames, example.Sequence.Frames);
        Assert.Null(example.Codes.Mix);
        Assert.Equal(codec.Model.Quantizer.NumQuantizers, example.Codes.Vocals!.Length);
        Assert.Equal(1 + 2 * (frames + example.Sequence.Codebooks - 1), example.Sequence.Steps);
        Assert.Equal(example.Codes.Vocals.Length, example.Codes.Accompaniment!.Length);
        var mixed = dataset.Example(12, SongMode.Mixed);
        Assert.NotNull(mixed.Codes.Mix);
        Assert.Null(mixed.Codes.Vocals);

        // Encoding only the opening (plus its margin) gives the whole track's codes for the excerpt's frames.
        var opening = dataset.Example(12, SongMode.InterleavingAV, excerptSeconds: 4);
        var excerpt = SongExcerpt.Of(opening.Song, 4, codec.Model.Config.FrameRate);
        Assert.InRange(opening.Sequence.Frames, excerpt.Frames, excerpt.Frames + codec.Model.Config.FrameRate);
        Assert.True(opening.Sequence.Frames < frames / 2, $"{opening.Sequence.Frames} of {frames} frames encoded");
        foreach (var (cut, whole) in new[] { (opening.Codes.Vocals!, example.Codes.Vocals), (opening.Codes.Accompaniment!, example.Codes.Accompaniment) })
            for (int k = 0; k < cut.Length; k++)
                Assert.Equal(whole[k].AsSpan(0, excerpt.Frames).ToArray(), cut[k].AsSpan(0, excerpt.Frames).ToArray());
    }
}
