namespace Media.Audio.Corpora;

/// <summary>What a generated clip contains, for captions and conditioning.</summary>
/// <param name="Tempo">Beats per minute.</param>
/// <param name="Key">Tonic and mode, e.g. "D minor".</param>
/// <param name="Chords">Chord symbols of one pass of the progression, e.g. ["Dm", "Bb", "F", "C"].</param>
/// <param name="Instruments">Synthesis method of each part ("lead: FrequencyModulation", ...).</param>
/// <param name="HasDrums">Whether a drum part plays.</param>
public sealed record MusicDescription(double Tempo, string Key, IReadOnlyList<string> Chords, IReadOnlyList<string> Instruments, bool HasDrums);

/// <summary>An instrumental clip: mono samples in [-1, 1] and its description.</summary>
public sealed record MusicClip(float[] Samples, int SampleRate, MusicDescription Description);

/// <summary>
/// A song clip with separate stems: the vocal-like line, the accompaniment, and their mix; Mix[i] equals
/// Vocals[i] + Accompaniment[i] exactly. <paramref name="Lyrics"/> are the sung syllables in order.
/// </summary>
public sealed record SongClip(float[] Vocals, float[] Accompaniment, float[] Mix, int SampleRate, MusicDescription Description, IReadOnlyList<string> Lyrics);
