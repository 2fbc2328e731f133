using System.Collections.Concurrent;
using Media.Audio.Dsp;

namespace Media.Audio.Corpora;

/// <summary>A note a word (or one syllable of it) is sung on: MIDI pitch, start and length in seconds.</summary>
public readonly record struct LyricNote(double Midi, double Start, double Duration);

/// <summary>A sung phrase (a lyric line): its words and one note per syllable, in order.</summary>
public sealed record SungPhrase(string Text, IReadOnlyList<LyricNote> Notes);

/// <summary>
/// Sings phrases: each phrase is spoken whole by espeak-ng (<see cref="EspeakRenderer"/>, the speech corpus's renderer),
/// so its words keep their connected-speech forms ("to" as in "to the", not the citation "two"); its silence is trimmed,
/// <see cref="SyllableSegmenter"/> cuts it into one stretch per note, and <see cref="Psola"/> lays each stretch onto its
/// note, holding the vowel (up to <see cref="MaxHold"/>) and setting the pitch (with a singer's vibrato) while keeping
/// the spoken formants, so the words stay intelligible. Phrases are rendered once per voice and cached. Used to build training data, never at serving time.
/// </summary>
public sealed class LyricSinger(int sampleRate, EspeakRenderer? renderer = null)
{
    readonly EspeakRenderer espeak = renderer ?? new EspeakRenderer();
    readonly ConcurrentDictionary<(string Phrase, EspeakVoice Voice), float[]> spoken = new();
    readonly ConcurrentDictionary<EspeakVoice, double> speakingPitch = new();

    /// <summary>Rate of the audio it sings.</summary>
    public int SampleRate { get; } = sampleRate >= 8000 ? sampleRate : throw new ArgumentOutOfRangeException(nameof(sampleRate), "Need at least 8 kHz.");

    /// <summary>
    /// Longest a syllable is held, as a multiple of its spoken length. Measured on four songs (docs/SONG.md): not held
    /// (1.0) reads best to the recognizer but is not singing; 1.6 holds notes at a small cost; holding whole notes
    /// (legato) costs most.
    /// </summary>
    public double MaxHold { get; init; } = 1.6;

    /// <summary>The phrase as espeak-ng says it with <paramref name="voice"/>, at <see cref="SampleRate"/>, without leading and trailing silence.</summary>
    public float[] Speak(string phrase, EspeakVoice voice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(phrase);
        ArgumentNullException.ThrowIfNull(voice);
        return spoken.GetOrAdd((phrase.ToLowerInvariant(), voice), key =>
            Trim(espeak.Render(key.Phrase, key.Voice).WithChannels(1).Resample(SampleRate).Channels[0], SampleRate));
    }

    /// <summary>Median F0 (Hz) of the voice speaking a short phrase: where its pitch shifts least.</summary>
    public double SpeakingPitch(EspeakVoice voice)
    {
        ArgumentNullException.ThrowIfNull(voice);
        return speakingPitch.GetOrAdd(voice, v =>
        {
            var samples = Speak("we sing along the road tonight", v);
            var voiced = new PitchTracker(SampleRate).Track(samples).Where(f => f > 0).Order().ToArray();
            return voiced.Length > 0 ? voiced[voiced.Length / 2] : 120;
        });
    }

    /// <summary>Sings <paramref name="phrases"/> with <paramref name="voice"/> into a new buffer of <paramref name="length"/> samples.</summary>
    public float[] Sing(IReadOnlyList<SungPhrase> phrases, EspeakVoice voice, int length)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        ArgumentNullException.ThrowIfNull(voice);
        var output = new float[length];
        foreach (var phrase in phrases)
        {
            var notes = phrase.Notes;
            if (notes.Count == 0) throw new ArgumentException($"Phrase '{phrase.Text}' has no notes.", nameof(phrases));
            var first = notes[0];
            int start = (int)Math.Round(first.Start * SampleRate);
            if (start >= length) continue;
            // Each note's stretch of output runs to the next note's start (legato); the last to its own end.
            var outputBounds = notes.Select(n => (int)Math.Round((n.Start - first.Start) * SampleRate))
                .Append((int)Math.Round((notes[^1].Start + notes[^1].Duration - first.Start) * SampleRate)).ToArray();
            for (int i = 1; i < outputBounds.Length; i++)
                if (outputBounds[i] <= outputBounds[i - 1]) throw new ArgumentException($"The notes of '{phrase.Text}' overlap or have no length.", nameof(phrases));
            double PitchAt(double t)
            {
                double time = first.Start + t;
                var note = notes[0];
                foreach (var n in notes) if (n.Start <= time) note = n;
                double held = time - note.Start;
                // Vibrato (5.5 Hz, up to 0.3 semitone) fades in after 0.2 s of a held note, as singers do.
                double depth = 0.3 * Math.Clamp((held - 0.2) / 0.2, 0, 1);
                return MusicTheory.Frequency(note.Midi + depth * Math.Sin(2 * Math.PI * 5.5 * held));
            }
            var speech = Speak(phrase.Text, voice);
            var sourceBounds = SyllableSegmenter.Boundaries(speech, SampleRate, notes.Count);
            // Each syllable is laid onto its note separately: held at most MaxHold times its spoken length, the rest of
            // the note silent (a detached note rather than a drawl the recognizer reads as several vowels).
            var sung = new float[outputBounds[^1]];
            for (int i = 0; i < notes.Count; i++)
            {
                var syllable = speech[sourceBounds[i]..sourceBounds[i + 1]];
                int offset = outputBounds[i], held = Math.Min(outputBounds[i + 1] - offset, Math.Max(1, (int)(MaxHold * syllable.Length)));
                var part = Psola.Transform(syllable, SampleRate, held, t => PitchAt(t + (double)offset / SampleRate));
                int edge = Math.Min(held / 4, SampleRate / 200); // 5 ms fades: no clicks at the cuts
                for (int k = 0; k < held; k++) sung[offset + k] = part[k] * (float)Math.Min(1, Math.Min((k + 1.0) / (edge + 1), (held - k) / (edge + 1.0)));
            }
            int count = sung.Length, fade = Math.Min(count / 4, (int)(0.01 * SampleRate));
            for (int i = 0; i < count && start + i < length; i++)
            {
                double gain = Math.Min(1, Math.Min((i + 1.0) / (fade + 1), (count - i) / (fade + 1.0)));
                output[start + i] += (float)(sung[i] * gain);
            }
        }
        return output;
    }

    // Cuts the silence espeak-ng puts around a word (under 1 % of the peak), keeping 5 ms on each side.
    static float[] Trim(float[] samples, int sampleRate)
    {
        float peak = 0;
        foreach (float v in samples) peak = Math.Max(peak, Math.Abs(v));
        if (peak == 0) return samples;
        float floor = 0.01f * peak;
        int first = Array.FindIndex(samples, v => Math.Abs(v) > floor), last = Array.FindLastIndex(samples, v => Math.Abs(v) > floor);
        int margin = (int)(0.005 * sampleRate);
        first = Math.Max(0, first - margin);
        last = Math.Min(samples.Length - 1, last + margin);
        return samples[first..(last + 1)];
    }
}
