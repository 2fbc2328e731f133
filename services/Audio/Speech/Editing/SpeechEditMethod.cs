namespace Media.Services.Audio.Speech.Editing;

/// <summary>How an edited span is generated.</summary>
public enum SpeechEditMethod
{
    /// <summary>ARDiT's editing: the audio after the span is in the context (a voice trained with fill-in-the-middle), so the span fits both sides.</summary>
    FillInMiddle,

    /// <summary>From the audio before the span alone, the audio after it pasted back: what a voice without fill-in-the-middle training can do.</summary>
    LeftContext,
}
