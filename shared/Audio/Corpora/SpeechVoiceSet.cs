namespace Media.Audio.Corpora;

/// <summary>
/// Which espeak-ng voices a speech corpus draws its utterances from. <see cref="Default"/> is the corpus every speech
/// model trains on; <see cref="Judge"/> shares no voice and no variant with it, so a recognizer trained on it scores
/// the TTS voice without having heard the voices it imitates.
/// </summary>
public enum SpeechVoiceSet
{
    /// <summary><see cref="EspeakVoice.CorpusVoices"/>: the TTS corpus (cached as <c>espeak-v1-{rate}hz-seed{seed}</c>).</summary>
    Default,

    /// <summary><see cref="EspeakVoice.JudgeVoices"/>: the independent recognizer's corpus (cached with a <c>-judge</c> suffix).</summary>
    Judge,
}
