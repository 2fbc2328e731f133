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

    /// <summary>
    /// The step from which steps are adversarial (EnCodec's MS-STFT discriminator, feature matching and loss balancer);
    /// null trains on reconstruction alone.
    /// </summary>
    public long? AdversarialStart { get; init; }

    /// <summary>
    /// Steps after <see cref="AdversarialStart"/> in which only the discriminator learns from the adversarial terms (the codec
    /// keeps its reconstruction losses): a fine-tune from a trained codec needs a discriminator that already tells real from
    /// decoded audio before the codec follows its gradients. 0 (EnCodec, from scratch) starts both together.
    /// </summary>
    public long DiscriminatorWarmupSteps { get; init; }

    /// <summary>Shares of the balanced gradient in adversarial steps: time L1, frequency (STFT + mel), generator hinge, feature matching (EnCodec: 0.1, 1, 3, 3).</summary>
    public (double Time, double Frequency, double Generator, double Features) Balance { get; init; } = (0.1, 1, 3, 3);

    /// <summary>Channels of every discriminator scale (EnCodec: 32).</summary>
    public int DiscriminatorFilters { get; init; } = 32;

    /// <summary>FFT sizes of the discriminator's scales (EnCodec: 2048, 1024, 512, 256, 128).</summary>
    public IReadOnlyList<int> DiscriminatorFftSizes { get; init; } = [2048, 1024, 512, 256, 128];

    /// <summary>
    /// Train every convolution weight-normalised (<c>weight_g</c>, <c>weight_v</c>), as EnCodec does; the export folds them
    /// into plain weights. A run keeps the choice it started with (its checkpoints hold one set of keys or the other).
    /// </summary>
    public bool WeightNorm { get; init; } = true;

    /// <summary>
    /// A Vocos decoder trained with the encoder in place of EnCodec's decoder (Vocos's iSTFT head: every layer at the frame
    /// rate); null trains EnCodec's decoder.
    /// </summary>
    public Media.Tokenizers.Audio.Vocos.VocosConfig? Vocos { get; init; }

    /// <summary>A codec folder (config.json + model.safetensors) to start from instead of random weights; a run that resumes ignores it.</summary>
    public string? InitFrom { get; init; }

    /// <summary>Throws on settings no run can use.</summary>
    public void Validate()
    {
        if (AdversarialStart is < 0) throw new ArgumentException("The adversarial start step must be 0 or more.");
        if (new[] { Balance.Time, Balance.Frequency, Balance.Generator, Balance.Features }.Any(w => !double.IsFinite(w) || w <= 0))
            throw new ArgumentException("The balanced shares must be positive.");
        if (DiscriminatorWarmupSteps < 0) throw new ArgumentException("The discriminator warm-up must be 0 or more steps.");
        if (InitFrom is not null && ContinuousSteps > 0)
            throw new ArgumentException("A run that starts from a trained codec starts quantized: its continuous (no quantizer) steps must be 0.");
        if (DiscriminatorFilters < 1) throw new ArgumentException("The discriminator needs at least one filter.");
        if (DiscriminatorFftSizes.Count == 0 || DiscriminatorFftSizes.Any(n => n < 16 || (n & (n - 1)) != 0))
            throw new ArgumentException("The discriminator's FFT sizes must be powers of two of at least 16.");
        if (ContinuousSteps < 0) throw new ArgumentException("The continuous steps must be 0 or more.");
        if (!double.IsFinite(TimeWeight) || TimeWeight < 0) throw new ArgumentException("The time weight must be a finite number >= 0.");
        if (!double.IsFinite(ClipSeconds) || ClipSeconds <= 0 || ClipSeconds > 30) throw new ArgumentException("The clip length must be in (0, 30] seconds.");
        if (Utterances < 1 || MusicClips < 0) throw new ArgumentException("The utterances must be positive and the music clips not negative.");
        if (Batch < 1) throw new ArgumentException("The batch must be positive.");
    }
}
