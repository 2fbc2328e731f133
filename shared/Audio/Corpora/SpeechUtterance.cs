namespace Media.Audio.Corpora;

/// <summary>One corpus sentence: its written form, the words spoken (<see cref="Text.TextNormalizer"/> output, what espeak-ng read), the voice, and its split.</summary>
/// <param name="Id">File stem, e.g. <c>u000042</c>.</param>
/// <param name="Text">Written sentence (digits, abbreviations, symbols).</param>
/// <param name="Transcript">Spoken words: the TTS input and the recognizer's target.</param>
/// <param name="Voice">espeak-ng voice, rate and pitch.</param>
/// <param name="IsTest">Whether it belongs to the held-out test split.</param>
public sealed record SpeechUtterance(string Id, string Text, string Transcript, EspeakVoice Voice, bool IsTest);
