using Media.Tokenizers.Audio.Encodec;

namespace Media.Services.Audio.Codec.Training;

/// <summary>Settings of a Vocos decoder run beyond the trainer schedule (the defaults of <c>media train codec-decoder</c>).</summary>
public sealed record VocosDecoderTrainingOptions
{
    /// <summary>Clips per step.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Length of a training clip in seconds (rounded to whole frames).</summary>
    public double ClipSeconds { get; init; } = 1.0;

    /// <summary>
    /// Codebook counts a step draws from: the served bandwidths (3, 6, 12 = 1.5, 3, 6 kbps) and the song models' 4 and 8.
    /// </summary>
    public IReadOnlyList<int> Codebooks { get; init; } = [3, 4, 6, 8, 12];

    /// <summary>Weight of the time-domain L1 against the spectral terms (weight 1 each); 0 trains on the spectrum alone, as Vocos.</summary>
    public double TimeWeight { get; init; }

    /// <summary>Throws on settings no run over <paramref name="codec"/> can use.</summary>
    public void Validate(EncodecConfig codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (Batch < 1) throw new ArgumentException("The batch must be positive.");
        if (!double.IsFinite(ClipSeconds) || ClipSeconds <= 0 || ClipSeconds > 30) throw new ArgumentException("The clip length must be in (0, 30] seconds.");
        if (Codebooks is not { Count: > 0 } || Codebooks.Any(k => k < 1 || k > codec.NumQuantizers))
            throw new ArgumentException($"Codebook counts must lie in 1..{codec.NumQuantizers}.");
        if (!double.IsFinite(TimeWeight) || TimeWeight < 0) throw new ArgumentException("The time weight must be a finite number >= 0.");
    }
}
