using Media.Audio.Analysis;
using Media.Audio.Corpora;
using Media.Audio.Dsp;

namespace Media.Audio.Tests.Corpora;

public sealed class LyricSongGeneratorTests
{
    static readonly LyricSongGenerator Generator = new(16000);

    [EspeakFact]
    [Slow("corpus rendering with espeak-ng")]
    public void The_same_seed_gives_the_same_song_and_another_seed_another()
    {
        var a = Generator.Generate(21);
        var b = new LyricSongGenerator(16000).Generate(21);
        Assert.Equal(a.Mix, b.Mix);
        Assert.Equal(a.Vocals, b.Vocals);
        Assert.Equal(a.Lyrics.Text, b.Lyrics.Text);
        Assert.Equal(a.Style.Text, b.Style.Text);
        var c = Generator.Generate(22);
        Assert.NotEqual(a.Lyrics.Text, c.Lyrics.Text);
        Assert.NotEqual(a.Mix.Length == c.Mix.Length ? a.Mix : [], c.Mix);
    }

    [EspeakFact]
    [Slow("corpus rendering with espeak-ng")]
    public void Stems_sum_to_the_mix_and_the_voice_sings_only_during_its_lines()
    {
        var song = Generator.Generate(5);
        Assert.Equal(song.Mix.Length, song.Vocals.Length);
        for (int i = 0; i < song.Mix.Length; i++) Assert.Equal(song.Vocals[i] + song.Accompaniment[i], song.Mix[i]);
        Assert.True(song.Mix.Max(Math.Abs) <= 0.9f + 1e-6f);
        // One bar of accompaniment leads in: the vocal is silent before the first line.
        int firstLine = (int)(song.Lines[0].Start * song.SampleRate);
        Assert.True(firstLine > 0.5 * song.SampleRate);
        Assert.All(song.Vocals.Take(firstLine - 1), v => Assert.Equal(0f, v));
        Assert.True(TestSignals.Rms(song.Vocals.AsSpan(firstLine..(int)(song.Lines[0].End * song.SampleRate)).ToArray()) > 0.03);
        Assert.Equal(song.Lyrics.Lines.Count(), song.Lines.Count);
        Assert.Equal(song.Lyrics.Lines.Count() * song.Lyrics.Meter, song.Notes.Count);
    }

    [EspeakFact]
    [Slow("corpus rendering with espeak-ng")]
    public void The_vocal_sings_the_melody_notes()
    {
        var song = Generator.Generate(9);
        var tracker = new PitchTracker(song.SampleRate);
        int onPitch = 0, measured = 0;
        foreach (var note in song.Notes.Where(n => n.Duration > 0.3))
        {
            // The middle of the note's held part (syllables are held up to 1.6x their spoken length, then rest).
            int from = (int)((note.Start + 0.06) * song.SampleRate), to = (int)((note.Start + 0.16) * song.SampleRate);
            var f0 = tracker.Track(song.Vocals.AsSpan((from - 800)..(to + 800))).Skip(800 / tracker.Hop).Take((to - from) / tracker.Hop).Where(f => f > 0).ToArray();
            if (f0.Length < 5) continue;
            measured++;
            double midi = 69 + 12 * Math.Log2(f0.Order().ElementAt(f0.Length / 2) / 440);
            if (Math.Abs(midi - note.Midi) < 0.5) onPitch++;
        }
        Assert.True(measured >= 8, $"only {measured} voiced notes measured");
        Assert.True(onPitch >= 0.8 * measured, $"{onPitch} of {measured} notes on pitch");
    }

    [EspeakFact]
    [Slow("corpus rendering with espeak-ng")]
    public void The_description_names_the_key_tempo_instruments_and_voice()
    {
        var song = Generator.Generate(14);
        Assert.Contains(song.Music.Key, song.Style.Text, StringComparison.Ordinal);
        Assert.Contains($"{(int)Math.Round(song.Music.Tempo)} bpm", song.Style.Text, StringComparison.Ordinal);
        Assert.Contains(song.Voice.Name.Contains("+f", StringComparison.Ordinal) ? "female vocal" : "male vocal", song.Style.Text, StringComparison.Ordinal);
        Assert.Equal(song.Music.HasDrums, song.Style.Instruments.Contains("drums"));
        // The estimators read the mix back.
        Assert.InRange(TempoEstimator.Estimate(song.Mix, song.SampleRate), song.Music.Tempo * 0.96, song.Music.Tempo * 1.04);
    }

    [Fact]
    public void Voices_vary_with_the_seed_and_are_the_speech_corpus_voices()
    {
        var voices = Enumerable.Range(0, 30).Select(s => LyricSongGenerator.VoiceOf((ulong)s)).ToList();
        Assert.All(voices, v => Assert.Contains(v.Name, EspeakVoice.CorpusVoices));
        Assert.True(voices.Select(v => v.Name).Distinct().Count() >= 5);
        Assert.Equal(LyricSongGenerator.VoiceOf(3), LyricSongGenerator.VoiceOf(3));
    }
}
