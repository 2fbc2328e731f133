namespace Media.Audio.Corpora;

/// <summary>Where and how the espeak-ng speech corpus is generated.</summary>
public sealed record SpeechCorpusOptions
{
    /// <summary>Cache folder (e.g. <c>data/corpora</c>); generated, never committed.</summary>
    public required string Directory { get; init; }

    /// <summary>Output sample rate, Hz (16000 or 24000 typically).</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Number of utterances.</summary>
    public int Count { get; init; } = 2000;

    /// <summary>Fraction of distinct transcripts held out for testing.</summary>
    public double TestFraction { get; init; } = 0.05;

    /// <summary>Seed naming the corpus.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The espeak-ng voices drawn from; a set other than the default is cached in its own folder.</summary>
    public SpeechVoiceSet Voices { get; init; } = SpeechVoiceSet.Default;

    /// <summary>The espeak-ng program.</summary>
    public string Executable { get; init; } = "espeak-ng";
}
