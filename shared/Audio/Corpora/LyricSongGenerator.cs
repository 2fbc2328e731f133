using System.Globalization;

namespace Media.Audio.Corpora;

/// <summary>
/// Songs whose vocals sing their lyrics, deterministic by seed: lyrics from <see cref="LyricsGenerator"/>, an
/// accompaniment from <see cref="MusicGenerator"/> (key, tempo, progression, instruments, drums), a melody that gives
/// each syllable one note (two bars per line, chord tones on the strong beats, the last note of a line held) in the
/// singer's register, sung by <see cref="LyricSinger"/> with an espeak-ng voice, and a text description of style, mood,
/// instruments, key, tempo and voice. One bar of accompaniment leads in; the song ends half a bar after its last line.
/// </summary>
public sealed class LyricSongGenerator
{
    /// <summary>The first held-out song: training runs draw seeds below it, evaluations from it.</summary>
    public const ulong FirstHeldOutSeed = 900_000;

    /// <summary>Beats each lyric line spans (two bars of 4/4).</summary>
    public const int BeatsPerLine = 8;

    /// <summary>Beats of accompaniment before the first line.</summary>
    public const int LeadInBeats = 4;

    readonly MusicGenerator music;
    readonly LyricSinger singer;

    /// <summary>A generator of <paramref name="sampleRate"/> Hz songs singing through <paramref name="renderer"/> (espeak-ng on the PATH by default).</summary>
    public LyricSongGenerator(int sampleRate, EspeakRenderer? renderer = null)
    {
        music = new MusicGenerator(sampleRate);
        singer = new LyricSinger(sampleRate, renderer);
    }

    /// <summary>Output sample rate.</summary>
    public int SampleRate => music.SampleRate;

    /// <summary>The singer (its word cache is shared by every song this generator makes).</summary>
    public LyricSinger Singer => singer;

    /// <summary>The voice of song <paramref name="seed"/>: one of the speech corpus's espeak-ng voices, 120-150 words per minute, pitch 35-65.</summary>
    public static EspeakVoice VoiceOf(ulong seed)
    {
        var random = new SeededRandom(SeededRandom.Derive(seed, 0x5106UL));
        return new EspeakVoice(random.Pick(EspeakVoice.CorpusVoices), random.Next(120, 151), random.Next(35, 66));
    }

    /// <summary>Song <paramref name="seed"/>: stems, mix, lyrics, description and the timing of every sung line and note.</summary>
    public LyricSong Generate(ulong seed)
    {
        var lyrics = LyricsGenerator.Generate(seed);
        var voice = VoiceOf(seed);
        var lines = lyrics.Sections.SelectMany(s => s.Lines.Select(l => (s.Tag, Line: l))).ToArray();
        int beats = LeadInBeats + lines.Length * BeatsPerLine + 2;
        var arrangement = music.Arrange(seed, beat => beats * beat);
        double beat = arrangement.Beat;

        // The register: the melody's middle (a fifth above its tonic) an octave-multiple from a little above the speaking pitch.
        double speaking = 69 + 12 * Math.Log2(singer.SpeakingPitch(voice) / 440);
        int tonicClass = arrangement.Tonic % 12;
        int vocalTonic = Enumerable.Range(2, 6).Select(o => 12 * o + tonicClass).MinBy(t => Math.Abs(t + 7 - (speaking + 3)));

        var random = new SeededRandom(SeededRandom.Derive(seed, 0x3E10UL));
        var phrases = new List<SungPhrase>();
        var notes = new List<LyricNote>();
        var sungLines = new List<SungLine>();
        int previous = 4;
        for (int l = 0; l < lines.Length; l++)
        {
            var durations = Rhythm(random, lyrics.Meter);
            double lineStart = (LeadInBeats + l * BeatsPerLine) * beat;
            var lineNotes = new List<LyricNote>();
            double at = 0;
            for (int i = 0; i < durations.Length; i++)
            {
                int bar = (int)((LeadInBeats + l * BeatsPerLine + at) / 4);
                int chordDegree = arrangement.Progression[bar % arrangement.Progression.Count];
                bool strong = at % 2 == 0, final = i == durations.Length - 1;
                int degree;
                if (final && l == lines.Length - 1) degree = previous >= 4 ? 7 : 0; // the song ends on the tonic
                else if (strong || final)
                {
                    int[] chordTones = [chordDegree % 7, (chordDegree + 2) % 7, (chordDegree + 4) % 7];
                    degree = chordTones.SelectMany(d => new[] { d, d + 7 })
                        .Where(d => d is >= 0 and <= 9).MinBy(d => Math.Abs(d - previous) + random.NextDouble() * 1.5);
                }
                else degree = Math.Clamp(previous + random.Pick([-2, -1, -1, 1, 1, 2]), 0, 9);
                previous = degree;
                int midi = MusicTheory.ScaleNote(vocalTonic, arrangement.Scale, degree);
                // Legato inside a line; the held last note leaves a breath before the next line.
                lineNotes.Add(new LyricNote(midi, lineStart + at * beat, durations[i] * beat * (final ? 0.85 : 1)));
                at += durations[i];
            }
            phrases.Add(new SungPhrase(lines[l].Line, lineNotes));
            notes.AddRange(lineNotes);
            sungLines.Add(new SungLine(lines[l].Tag, lines[l].Line, lineNotes[0].Start, lineNotes[^1].Start + lineNotes[^1].Duration));
        }

        var vocals = singer.Sing(phrases, voice, arrangement.Length);
        var accompaniment = arrangement.Accompaniment;
        // The voice 3 dB over the accompaniment by RMS, then both scaled so the mix peaks at 0.9.
        double vocalGain = 1.41 * MusicGenerator.Rms(accompaniment) / Math.Max(MusicGenerator.Rms(vocals), 1e-9);
        double peak = 0;
        for (int i = 0; i < vocals.Length; i++) peak = Math.Max(peak, Math.Abs(vocalGain * vocals[i] + accompaniment[i]));
        double scale = 0.9 / Math.Max(peak, 1e-9);
        var mix = new float[vocals.Length];
        for (int i = 0; i < mix.Length; i++)
        {
            vocals[i] = (float)(vocals[i] * vocalGain * scale);
            accompaniment[i] = (float)(accompaniment[i] * scale);
            mix[i] = vocals[i] + accompaniment[i];
        }
        var style = SongStyle.Describe(arrangement.Description, arrangement.Scale == MusicTheory.Minor, voice, seed);
        return new LyricSong(vocals, accompaniment, mix, SampleRate, lyrics, style, arrangement.Description, voice, sungLines, notes);
    }

    // Beats of each of a line's `meter` notes inside 8 beats: quarters, the last note a half note, some quarters split
    // into eighths (never the first) until a breath of at least half a beat is left.
    static double[] Rhythm(SeededRandom random, int meter)
    {
        var durations = Enumerable.Repeat(1.0, meter).ToArray();
        durations[^1] = 2;
        while (durations.Sum() > BeatsPerLine - 0.5)
        {
            int i = random.Next(1, meter - 1);
            if (durations[i] == 1) durations[i] = 0.5;
        }
        return durations;
    }
}

/// <summary>A sung line: its section tag, text, and when it is sung (seconds).</summary>
public sealed record SungLine(string Tag, string Text, double Start, double End);

/// <summary>
/// A song with sung lyrics: vocal and accompaniment stems and their mix (<c>Mix[i] = Vocals[i] + Accompaniment[i]</c>),
/// the lyrics, the text description, the arrangement's facts (tempo, key, chords, instruments), the voice, and the
/// timing of every line and note.
/// </summary>
public sealed record LyricSong(float[] Vocals, float[] Accompaniment, float[] Mix, int SampleRate, SongLyrics Lyrics, SongStyle Style,
    MusicDescription Music, EspeakVoice Voice, IReadOnlyList<SungLine> Lines, IReadOnlyList<LyricNote> Notes)
{
    /// <summary>Length in seconds.</summary>
    public double DurationSeconds => (double)Mix.Length / SampleRate;
}

/// <summary>
/// The text description of a song and its parts: a genre-like style, a mood, the instruments, the key, the tempo and the
/// voice (gender-like timbre, accent, pitch).
/// </summary>
public sealed record SongStyle(string Genre, string Mood, IReadOnlyList<string> Instruments, string Key, int Tempo, string Voice)
{
    /// <summary>The description as one sentence, e.g. "synth-pop, happy and energetic, 128 bpm, in D major; ...".</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture,
        $"{Genre}, {Mood}, {Tempo} bpm, in {Key}; {string.Join(", ", Instruments)}; {Voice}");

    static readonly Dictionary<string, string> AccentNames = new(StringComparer.Ordinal)
    {
        ["en-us"] = "american", ["en-gb"] = "british", ["en-gb-x-rp"] = "british", ["en-029"] = "caribbean",
    };

    /// <summary>The style of an arrangement sung by <paramref name="voice"/>.</summary>
    public static SongStyle Describe(MusicDescription music, bool minor, EspeakVoice voice, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(music);
        ArgumentNullException.ThrowIfNull(voice);
        var random = new SeededRandom(SeededRandom.Derive(seed, 0xDE5CUL));
        bool fast = music.Tempo >= 112;
        string Kind(string part) => music.Instruments.First(i => i.StartsWith(part + ":", StringComparison.Ordinal))[(part.Length + 2)..];
        string chords = Kind("chords"), bass = Kind("bass");
        string genre = !music.HasDrums ? random.Pick(["ballad", "ambient song", "folk-like song"])
            : chords == nameof(SynthKind.FrequencyModulation) ? (fast ? "synth-pop" : "electric piano pop")
            : chords == nameof(SynthKind.Subtractive) ? (fast ? "electronic dance pop" : "synthwave")
            : fast ? "upbeat pop" : "soft rock";
        string mood = (minor, fast) switch
        {
            (false, true) => random.Pick(["happy and energetic", "bright and cheerful", "joyful and upbeat"]),
            (false, false) => random.Pick(["warm and relaxed", "calm and hopeful", "gentle and tender"]),
            (true, true) => random.Pick(["dark and driving", "tense and urgent", "restless and moody"]),
            (true, false) => random.Pick(["sad and melancholic", "wistful and sombre", "lonely and reflective"]),
        };
        var instruments = new List<string> { InstrumentName(chords, "keys"), InstrumentName(bass, "bass") };
        if (music.HasDrums) instruments.Add("drums");
        string name = voice.Name.Split('+')[0];
        bool female = voice.Name.Contains("+f", StringComparison.Ordinal);
        string pitch = voice.Pitch < 45 ? "low" : voice.Pitch > 55 ? "high" : "mid";
        string vocal = string.Create(CultureInfo.InvariantCulture,
            $"{(female ? "female" : "male")} vocal, {AccentNames.GetValueOrDefault(name, "english")} accent, {pitch} pitch");
        return new SongStyle(genre, mood, instruments, music.Key, (int)Math.Round(music.Tempo), vocal);
    }

    static string InstrumentName(string kind, string role) => (kind, role) switch
    {
        (nameof(SynthKind.Additive), _) => role == "bass" ? "organ bass" : "organ",
        (nameof(SynthKind.FrequencyModulation), "bass") => "fm bass",
        (nameof(SynthKind.FrequencyModulation), _) => "electric piano",
        (nameof(SynthKind.Subtractive), "bass") => "analog bass",
        _ => "analog synth pad",
    };
}
