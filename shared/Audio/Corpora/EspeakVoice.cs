namespace Media.Audio.Corpora;

/// <summary>An espeak-ng voice setting: voice name with optional variant (<c>en-us+f3</c>), words per minute, pitch 0..99.</summary>
public sealed record EspeakVoice(string Name, int WordsPerMinute, int Pitch)
{
    /// <summary>Voices (accents and male/female variants) the corpus draws from; all ship with Debian's espeak-ng.</summary>
    public static IReadOnlyList<string> CorpusVoices { get; } =
        ["en-us", "en-us+f3", "en-gb", "en-gb+f2", "en-us+m3", "en-gb-x-rp+f4", "en-us+m7", "en-029+f1"];

    /// <summary>
    /// The judge recognizer's voices: sixteen speakers, none in <see cref="CorpusVoices"/> and no variant shared with it
    /// (eight male, eight female variants), all in Debian's espeak-ng-data. Twelve speak the corpus's accents, British
    /// as <c>en</c> (espeak-ng 1.51 ignores a variant on <c>en-gb</c>: <c>en-gb+m4</c> renders exactly as <c>en-gb</c>),
    /// and four speak accents the corpus never uses (New York, Scottish, Lancaster, West Midlands). A judge needs the
    /// accents the TTS voice speaks in and many speakers: one trained on eight voices of new accents alone read the real
    /// corpus references at CER 0.095, one on eight voices of mostly the corpus's accents at 0.073, against 0.024 on their
    /// own held-out clips. An unknown variant also falls back silently, so only variants that ship are named here.
    /// </summary>
    public static IReadOnlyList<string> JudgeVoices { get; } =
    [
        "en-us+m1", "en-us+f5", "en-us+Alicia", "en-us+david", "en+m4", "en+Andrea", "en+max", "en-gb-x-rp+m2",
        "en-gb-x-rp+belinda", "en-029+m5", "en-029+anika", "en-us-nyc+Annie", "en-us-nyc+m8", "en-gb-scotland+linda",
        "en-gb-x-gbclan+steph", "en-gb-x-gbcwmd+paul",
    ];

    /// <summary>The voice names of <paramref name="set"/>.</summary>
    public static IReadOnlyList<string> Voices(SpeechVoiceSet set) => set switch
    {
        SpeechVoiceSet.Default => CorpusVoices,
        SpeechVoiceSet.Judge => JudgeVoices,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "Unknown voice set."),
    };

    /// <summary>The accent part of a voice name (<c>en-gb</c> of <c>en-gb+f2</c>).</summary>
    public static string Accent(string name) => name.Split('+')[0];

    /// <summary>The variant part of a voice name (<c>f2</c> of <c>en-gb+f2</c>; empty for the accent's own voice).</summary>
    public static string Variant(string name) => name.Contains('+', StringComparison.Ordinal) ? name[(name.IndexOf('+', StringComparison.Ordinal) + 1)..] : "";
}
