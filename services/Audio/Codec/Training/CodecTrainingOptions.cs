namespace Media.Services.Audio.Codec.Training;

/// <summary>Settings of a codec run beyond the trainer schedule (the defaults of <c>media train codec</c>).</summary>
public sealed record CodecTrainingOptions
{
    /// <summary>Folder of the espeak-ng speech corpus cache.</summary>
    public string Corpus { get; init; } = "data/corpora";

    /// <summary>Speech corpus size (train + held-out).</summary>
    public int Utterances { get; init; } = 600;

    /// <summary>Procedural music clips (4 s) in the training set.</summary>
    public int MusicClips { get; init; } = 64;

    /// <summary>Clips per step.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>
    /// First steps train encoder and decoder without the quantizer, on the squared time-domain error alone;
    /// the codebooks then start from the encoder's outputs.
    /// </summary>
    public int ContinuousSteps { get; init; } = 400;

    /// <summary>Weight of the time-domain L1 term against the spectral terms (weight 1 each).</summary>
    public double TimeWeight { get; init; } = 5.0;

    /// <summary>Length of a training clip in seconds (rounded to whole frames).</summary>
    public double ClipSeconds { get; init; } = 1.0;

    /// <summary>Throws on settings no run can use.</summary>
    public void Validate()
    {
        if (ContinuousSteps < 0) throw new ArgumentException("The continuous steps must be 0 or more.");
        if (!double.IsFinite(TimeWeight) || TimeWeight < 0) throw new ArgumentException("The time weight must be a finite number >= 0.");
        if (!double.IsFinite(ClipSeconds) || ClipSeconds <= 0 || ClipSeconds > 30) throw new ArgumentException("The clip length must be in (0, 30] seconds.");
        if (Utterances < 1 || MusicClips < 0) throw new ArgumentException("The utterances must be positive and the music clips not negative.");
        if (Batch < 1) throw new ArgumentException("The batch must be positive.");
    }
}
