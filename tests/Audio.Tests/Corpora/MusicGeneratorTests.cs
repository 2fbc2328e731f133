using Media.Audio.Corpora;

namespace Media.Audio.Tests.Corpora;

public sealed class MusicGeneratorTests
{
    [Fact]
    public void The_same_seed_gives_the_same_clip_and_another_seed_a_different_one()
    {
        var generator = new MusicGenerator(16000);
        var a = generator.Generate(5, 3);
        var b = generator.Generate(5, 3);
        var c = generator.Generate(6, 3);
        Assert.Equal(a.Samples, b.Samples);
        Assert.Equal(a.Description.Key, b.Description.Key);
        Assert.NotEqual(a.Samples, c.Samples);
    }

    [Fact]
    public void Clips_are_audible_in_range_and_of_the_requested_length()
    {
        var generator = new MusicGenerator(24000);
        var keys = new HashSet<string>();
        for (ulong seed = 0; seed < 6; seed++)
        {
            var clip = generator.Generate(seed, 2.5);
            Assert.Equal(60000, clip.Samples.Length);
            Assert.True(TestSignals.Rms(clip.Samples) > 0.05, $"seed {seed} is nearly silent");
            Assert.True(clip.Samples.Max(Math.Abs) <= 0.9f + 1e-6f);
            Assert.All(clip.Samples, v => Assert.True(float.IsFinite(v)));
            Assert.InRange(clip.Description.Tempo, 80, 140);
            Assert.Equal(4, clip.Description.Chords.Count);
            keys.Add(clip.Description.Key);
        }
        Assert.True(keys.Count >= 3, "keys should vary with the seed");
    }

    [Fact]
    public void Song_stems_sum_to_the_mix_and_both_are_audible()
    {
        var song = new MusicGenerator(16000).GenerateSong(11, 3);
        Assert.Equal(song.Mix.Length, song.Vocals.Length);
        Assert.Equal(song.Mix.Length, song.Accompaniment.Length);
        for (int i = 0; i < song.Mix.Length; i++) Assert.Equal(song.Vocals[i] + song.Accompaniment[i], song.Mix[i]);
        Assert.True(TestSignals.Rms(song.Vocals) > 0.03);
        Assert.True(TestSignals.Rms(song.Accompaniment) > 0.03);
        Assert.True(song.Mix.Max(Math.Abs) <= 0.9f + 1e-6f);
        Assert.NotEmpty(song.Lyrics);
        Assert.Equal(song.Mix, new MusicGenerator(16000).GenerateSong(11, 3).Mix);
    }

    [Fact]
    public void The_sung_line_has_its_energy_in_the_voice_range()
    {
        // A single sung 'a' at A3 (220 Hz): its spectrum peaks near a harmonic inside the first formant region.
        var voice = FormantSinger.Sing([new FormantSinger.SungNote(57, 0, 0.5, 'a')], 16000, 8000);
        double Power(double f)
        {
            double re = 0, im = 0;
            for (int i = 2000; i < 6000; i++)
            {
                re += voice[i] * Math.Cos(2 * Math.PI * f * i / 16000);
                im += voice[i] * Math.Sin(2 * Math.PI * f * i / 16000);
            }
            return re * re + im * im;
        }
        double formant = Power(660), between = Power(770), high = Power(5500);
        Assert.True(formant > 10 * between, "harmonics stand out between them");
        Assert.True(formant > 100 * high, "energy is concentrated low, as in a voice");
        Assert.Throws<ArgumentException>(() => FormantSinger.Sing([new FormantSinger.SungNote(57, 0, 0.5, 'x')], 16000, 100));
    }
}
