using Media.Services.Audio.Speech.Data;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>One evaluation edit: a held-out recording, the word replaced (its index in the transcript) and the new transcript.</summary>
public sealed record HeldOutEdit(SpeechClip Clip, int Word, string OldWord, string NewWord, string Text);

/// <summary>
/// Word replacements on held-out recordings, as a user edits a transcript: in each of the first clips with at least four
/// words, one word inside the sentence (never the first or last, so both joins are real) becomes another word of the
/// held-out sentences. Both words are letters only, so the edited span is the same in the text and in what a recognizer
/// hears. Drawn from the seed alone.
/// </summary>
public static class HeldOutEdits
{
    /// <summary>Up to <paramref name="count"/> edits of <paramref name="clips"/> (canonical texts), from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<HeldOutEdit> Draw(IReadOnlyList<SpeechClip> clips, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(clips);
        static bool Plain(string word) => word.Length >= 3 && word.All(char.IsAsciiLetterLower);
        var vocabulary = clips.SelectMany(c => c.Text.Split(' ')).Where(Plain).Distinct().Order(StringComparer.Ordinal).ToArray();
        var random = new Random(seed);
        var edits = new List<HeldOutEdit>();
        foreach (var clip in clips)
        {
            if (edits.Count == count) break;
            var words = clip.Text.Split(' ');
            var inside = Enumerable.Range(1, Math.Max(words.Length - 2, 0)).Where(i => Plain(words[i])).ToArray();
            if (words.Length < 4 || inside.Length == 0 || vocabulary.Length < 2) continue;
            int word = inside[random.Next(inside.Length)];
            string replacement;
            do replacement = vocabulary[random.Next(vocabulary.Length)]; while (replacement == words[word]);
            string old = words[word];
            words[word] = replacement;
            edits.Add(new HeldOutEdit(clip, word, old, replacement, string.Join(' ', words)));
        }
        return edits;
    }
}
