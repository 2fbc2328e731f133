namespace Media.Services.Audio.Speech.Data;

/// <summary>One utterance in memory: mono samples at the feature rate and its text in the forms the models use.</summary>
/// <param name="Id">Corpus id (file stem).</param>
/// <param name="Text">Canonical spoken text (<see cref="FrontEnd.TextFrontEnd.Canonicalize"/>): the TTS input.</param>
/// <param name="Target">What a recognizer should output (<see cref="FrontEnd.TextFrontEnd.RecognitionTarget"/>).</param>
/// <param name="Samples">Mono waveform.</param>
public sealed record SpeechClip(string Id, string Text, string Target, float[] Samples);
