namespace Media.Services.Audio.Speech.Generation;

/// <summary>Text to the token ids a speech model reads (normalisation included).</summary>
public interface ISpeechTextEncoder
{
    /// <summary>Ids run 0..VocabularySize-1.</summary>
    int VocabularySize { get; }

    /// <summary>The normalised form of <paramref name="text"/> that <see cref="Encode"/> spells out (also what durations are predicted from).</summary>
    string Normalize(string text);

    /// <summary>Token ids of already normalised text.</summary>
    int[] Encode(string normalizedText);
}
