namespace Media.Services.Audio.Speech.Editing;

/// <summary>
/// An edit in latent frames. The new utterance of <see cref="TotalFrames"/> frames keeps the original's first
/// <see cref="KeepFrames"/> (whole blocks), regenerates frames KeepFrames..SuffixStart-1 (the new words sit at
/// <see cref="SpanStart"/>..<see cref="SpanEnd"/>-1) and keeps the original's frames from <see cref="OldSuffixStart"/> on,
/// placed from <see cref="SuffixStart"/>. <see cref="Ids"/> is the new transcript and <see cref="TextFrames"/> where its
/// characters are spoken: the kept ones where the aligner heard them, the new ones where the voice's timing predictor puts them
/// (null for a uniform-timing voice, which places them at an even rate itself).
/// </summary>
public sealed record SpeechEditPlan(
    TranscriptEdit Edit,
    SpeechEditMethod Method,
    int[] Ids,
    double[]? TextFrames,
    int TotalFrames,
    int KeepFrames,
    int SpanStart,
    int SpanEnd,
    int SuffixStart,
    int OldSuffixStart);
