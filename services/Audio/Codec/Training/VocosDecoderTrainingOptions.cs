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

    /// <summary>
    /// FFT sizes (samples; hop a quarter, Hann window of the full size) of the multi-resolution STFT distance, or null for
    /// <see cref="Media.Audio.Metrics.MultiResolutionStftDistance.ForSampleRate"/>'s three (256, 512, 1024 at 16 kHz). The
    /// defaults resolve no two semitones below about 250 Hz (bins of 15.6 Hz at 1024), so nothing in the loss asks for the
    /// exact pitch of a bass or low chord note; a 4096-point resolution (3.9 Hz bins) does, from about 70 Hz up.
    /// </summary>
    public IReadOnlyList<int>? StftFftSizes { get; init; }

    /// <summary>
    /// A codec folder whose Vocos decoder (<c>vocos.json</c> + <c>vocos.safetensors</c>, the sizes of the trained one) starts
    /// the run: a fine-tune of a decoder trained with its encoder keeps that encoder's codes and starts from its skills.
    /// </summary>
    public string? InitDecoderFrom { get; init; }

    /// <summary>Throws on settings no run over <paramref name="codec"/> can use.</summary>
    public void Validate(EncodecConfig codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (Batch < 1) throw new ArgumentException("The batch must be positive.");
        if (!double.IsFinite(ClipSeconds) || ClipSeconds <= 0 || ClipSeconds > 30) throw new ArgumentException("The clip length must be in (0, 30] seconds.");
        if (Codebooks is not { Count: > 0 } || Codebooks.Any(k => k < 1 || k > codec.NumQuantizers))
            throw new ArgumentException($"Codebook counts must lie in 1..{codec.NumQuantizers}.");
        if (!double.IsFinite(TimeWeight) || TimeWeight < 0) throw new ArgumentException("The time weight must be a finite number >= 0.");
        if (StftFftSizes is { } sizes && (sizes.Count == 0 || sizes.Any(n => n < 16)))
            throw new ArgumentException("STFT sizes must be at least 16 samples, and at least one must be given.");
        // Every transform (and the log-mel's 1024 points) needs more than half its size of each clip.
        int largest = Math.Max(1024, StftFftSizes is { Count: > 0 } given ? given.Max() : 0);
        if (CodecTraining.ClipSamplesFor(codec, ClipSeconds) <= largest / 2)
            throw new ArgumentException($"Clips of {ClipSeconds} s are too short for a {largest}-point transform: give longer clips or smaller STFT sizes.");
    }
}
