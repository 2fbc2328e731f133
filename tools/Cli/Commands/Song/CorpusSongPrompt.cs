using Media.Audio.Corpora;
using Media.Modeling.Sampling;
using Media.Services.Audio.Evaluation;
using Media.Services.Song;
using Media.Services.Song.Data;
using Media.Services.Song.Generation;
using Media.Services.Song.Model;

namespace Media.Cli.Commands.Song;

/// <summary>
/// A corpus song's opening as a song model is asked for it, in <c>media eval song</c> and in LeVo's preference pairs alike:
/// its description and the lines sung within the opening (as training crops songs), for as long as the corpus sings them
/// and the model holds; and what the model made of it, ready to be measured against the song.
/// </summary>
internal sealed record CorpusSongPrompt(ulong Seed, LyricSong Song, SongExcerpt Excerpt, double Seconds)
{
    /// <summary>The prompt of corpus song <paramref name="song"/> (seed <paramref name="seed"/>) for <paramref name="model"/>.</summary>
    public static CorpusSongPrompt Of(ulong seed, LyricSong song, double openingSeconds, ISongSynthesizer model)
    {
        ArgumentNullException.ThrowIfNull(song);
        ArgumentNullException.ThrowIfNull(model);
        var excerpt = SongExcerpt.Of(song, openingSeconds, model.FrameRate);
        return new CorpusSongPrompt(seed, song, excerpt, Math.Min(excerpt.Seconds, Math.Min(SongJobKind.MaxSeconds, model.MaxSeconds)));
    }

    /// <summary>The request: description, the opening's lyrics, its length, and the given sampling and guidance.</summary>
    public SongSpec Spec(SamplingParameters sampling, double guidanceScale) =>
        new(new SongCondition(Song.Style.Text, Excerpt.LyricsTokens()), Seconds, null, sampling, guidanceScale);

    /// <summary>
    /// What was asked and what came out, as <see cref="SongModelEvaluation"/> measures it; with <paramref name="tokensOf"/>,
    /// also the opening through that model's tokens and back (the ceiling its tokens set).
    /// </summary>
    public GeneratedSong Made(SongAudio audio, double cpuSeconds, ISongSynthesizer? tokensOf = null)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (tokensOf is not null && tokensOf.SampleRate != Song.SampleRate)
            throw new InvalidOperationException($"The corpus sings at {Song.SampleRate} Hz and the model's tokens are at {tokensOf.SampleRate} Hz.");
        float[] mix = Opening(Song.Mix), vocals = Opening(Song.Vocals);
        return new GeneratedSong(Seed, Song.Music.Tempo, Song.Music.Key, Excerpt.Transcript, vocals, audio.Mix, audio.Vocals, audio.Accompaniment,
            audio.SampleRate, audio.Mix.Length / (double)audio.SampleRate, audio.FirstChunkSeconds, audio.Seconds, cpuSeconds, mix,
            tokensOf?.RoundTrip(mix, vocals, Opening(Song.Accompaniment)));
    }

    float[] Opening(float[] track) => track.AsSpan(0, Math.Min(track.Length, (int)(Seconds * Song.SampleRate))).ToArray();
}
