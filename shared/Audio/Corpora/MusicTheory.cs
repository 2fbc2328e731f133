namespace Media.Audio.Corpora;

/// <summary>Keys, scales and chord progressions for the procedural music generator.</summary>
public static class MusicTheory
{
    static readonly string[] NoteNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    /// <summary>Semitone offsets of the major (Ionian) scale.</summary>
    public static IReadOnlyList<int> Major { get; } = [0, 2, 4, 5, 7, 9, 11];

    /// <summary>Semitone offsets of the natural minor (Aeolian) scale.</summary>
    public static IReadOnlyList<int> Minor { get; } = [0, 2, 3, 5, 7, 8, 10];

    /// <summary>Common progressions as 0-based scale degrees (I-V-vi-IV, ii-V-I-I, i-VI-III-VII, ...).</summary>
    public static IReadOnlyList<int[]> Progressions { get; } =
    [
        [0, 4, 5, 3], [0, 5, 3, 4], [1, 4, 0, 0], [0, 3, 4, 3], [5, 3, 0, 4], [0, 3, 0, 4], [0, 5, 1, 4], [3, 4, 2, 5],
    ];

    /// <summary>Frequency of MIDI note <paramref name="midi"/> (A4 = 69 = 440 Hz, equal temperament).</summary>
    public static double Frequency(double midi) => 440 * Math.Pow(2, (midi - 69) / 12);

    /// <summary>Name of a pitch class (0 = C).</summary>
    public static string NoteName(int midi) => NoteNames[((midi % 12) + 12) % 12];

    /// <summary>MIDI note of scale degree <paramref name="degree"/> (may exceed 6 or be negative: octaves wrap) above <paramref name="root"/>.</summary>
    public static int ScaleNote(int root, IReadOnlyList<int> scale, int degree)
    {
        ArgumentNullException.ThrowIfNull(scale);
        int octave = (int)Math.Floor(degree / (double)scale.Count);
        int step = degree - octave * scale.Count;
        return root + 12 * octave + scale[step];
    }

    /// <summary>The triad (root, third, fifth) on a scale degree.</summary>
    public static int[] Triad(int root, IReadOnlyList<int> scale, int degree) =>
        [ScaleNote(root, scale, degree), ScaleNote(root, scale, degree + 2), ScaleNote(root, scale, degree + 4)];
}
