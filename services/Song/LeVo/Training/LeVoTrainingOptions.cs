namespace Media.Services.Song.LeVo.Training;

/// <summary>The two stages of LeVo's modular extension training.</summary>
public enum LeVoStage
{
    /// <summary>Stage 1: the main LM over the mixed stream (with the condition tables).</summary>
    Lm,
    /// <summary>Stage 2: the AR sub-decoder over vocal and accompaniment, the main LM and the condition tables frozen.</summary>
    Decoder,
}

/// <summary>What a LeVo training stage trains on (the model's shape is its <see cref="LeVoConfig"/>).</summary>
public sealed record LeVoTrainingOptions
{
    /// <summary>Corpus songs in the training set (seeds 0..Songs-1; evaluation uses the held-out seeds from 900000).</summary>
    public int Songs { get; init; } = 512;

    /// <summary>Songs per step.</summary>
    public int Batch { get; init; } = 4;

    /// <summary>Share of rows trained without their condition (LeVo: 0.15), so guidance has an unconditional model.</summary>
    public double ConditionDropout { get; init; } = 0.15;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (Songs < 1 || Batch < 1) throw new ArgumentException("songs and batch must be positive.");
        if (!double.IsFinite(ConditionDropout) || ConditionDropout < 0 || ConditionDropout >= 1) throw new ArgumentException("condition dropout must be in [0, 1).");
    }
}
