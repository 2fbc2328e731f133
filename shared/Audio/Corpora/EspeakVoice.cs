namespace Media.Audio.Corpora;

/// <summary>An espeak-ng voice setting: voice name with optional variant (<c>en-us+f3</c>), words per minute, pitch 0..99.</summary>
public sealed record EspeakVoice(string Name, int WordsPerMinute, int Pitch)
{
    /// <summary>Voices (accents and male/female variants) the corpus draws from; all ship with Debian's espeak-ng.</summary>
    public static IReadOnlyList<string> CorpusVoices { get; } =
        ["en-us", "en-us+f3", "en-gb", "en-gb+f2", "en-us+m3", "en-gb-x-rp+f4", "en-us+m7", "en-029+f1"];
}
