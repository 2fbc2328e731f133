using Media.Audio.Corpora;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Data;

namespace Media.Services.Audio.Tests.Speech;

/// <summary>Deterministic speech-like clips without espeak-ng, tiny model sizes, and temp folders for the speech tests.</summary>
internal static class SpeechTestData
{
    public static SpeechMelConfig Mel { get; } = new();

    /// <summary>Formant-sung syllables, one per letter of <paramref name="text"/>: the vowel and pitch follow the letter, so audio and text correlate.</summary>
    public static float[] Syllables(string text, int sampleRate, ulong seed)
    {
        var random = new SeededRandom(seed);
        var notes = new List<FormantSinger.SungNote>();
        double t = 0.05;
        foreach (char c in text)
        {
            if (c != ' ') notes.Add(new FormantSinger.SungNote(45 + (c - 'a') % 12, t, 0.09, FormantSinger.Vowels[(c - 'a') % FormantSinger.Vowels.Count]));
            t += 0.1 + random.Uniform(0, 0.02);
        }
        return FormantSinger.Sing(notes, sampleRate, (int)((t + 0.1) * sampleRate));
    }

    /// <summary>A set of <paramref name="count"/> clips of random lower-case words.</summary>
    public static SpeechClipSet Clips(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var clips = new SpeechClip[count];
        for (int i = 0; i < count; i++)
        {
            var words = Enumerable.Range(0, random.Next(2, 4)).Select(_ => new string(Enumerable.Range(0, random.Next(2, 5)).Select(_ => (char)('a' + random.Next(8))).ToArray()));
            string text = string.Join(' ', words);
            clips[i] = new SpeechClip($"s{i}", text, text, Syllables(text, Mel.SampleRate, seed + (ulong)i));
        }
        return new SpeechClipSet(clips, Mel.SampleRate);
    }
}

