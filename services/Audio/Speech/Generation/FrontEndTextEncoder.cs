using Media.Services.Audio.Speech.FrontEnd;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>The speech <see cref="TextFrontEnd"/> (normalised characters) as the text side of ARDiT.</summary>
public sealed class FrontEndTextEncoder(TextFrontEnd frontEnd) : ISpeechTextEncoder
{
    readonly TextFrontEnd frontEnd = frontEnd ?? throw new ArgumentNullException(nameof(frontEnd));

    /// <summary>The default character table.</summary>
    public static FrontEndTextEncoder Default { get; } = new(new TextFrontEnd(SpeechSymbols.Default));

    /// <inheritdoc/>
    public int VocabularySize => frontEnd.Symbols.Count;

    /// <inheritdoc/>
    public string Normalize(string text) => frontEnd.Canonicalize(text);

    /// <inheritdoc/>
    public int[] Encode(string normalizedText) => [.. normalizedText.Select(frontEnd.Symbols.IdOf)];
}
