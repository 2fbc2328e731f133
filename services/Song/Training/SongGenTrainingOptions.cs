using System.Text.Json.Serialization;

namespace Media.Services.Song.Training;

/// <summary>What a SongGen training run trains on (the model's shape is its <see cref="Model.SongGenConfig"/>).</summary>
public sealed record SongGenTrainingOptions
{
    /// <summary>Corpus songs in the training set (seeds 0..Songs-1; evaluation uses the held-out seeds from 900000).</summary>
    public int Songs { get; init; } = 512;

    /// <summary>Songs per step.</summary>
    public int Batch { get; init; } = 4;

    /// <summary>Each song is cut to its opening of this many seconds (the lines sung by then: <see cref="Data.SongExcerpt"/>).</summary>
    public double Seconds { get; init; } = 8;

    /// <summary>Share of rows trained without their condition (one zero memory state), so classifier-free guidance has an unconditional model.</summary>
    public double ConditionDropout { get; init; } = 0.1;

    /// <summary>
    /// Loss weight of the song's first <see cref="OpeningSeconds"/> against the rest (null: 1, SongGen's even weighting).
    /// A departure from the paper: a key or a tempo is a few nats a song, and only the opening needs the description for
    /// them (later frames hear them in the audio), so under the even weighting their gradient is a few parts in ten thousand
    /// of the loss. Reweighting positions keeps the optimum of each position's cross-entropy; it moves effort to the opening.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OpeningWeight { get; init; }

    /// <summary>The opening that <see cref="OpeningWeight"/> weights.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OpeningSeconds { get; init; }

    /// <summary>
    /// The codebook loss weights the run starts from, one a codebook (normalised; annealed toward uniform as SongGen's are),
    /// or null for SongGen's (the first three five times the rest). A departure for measuring what the weights do: the
    /// first codebook carries the notes and the later ones are near noise early in training.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? InitialCodebookWeights { get; init; }

    /// <summary>
    /// Share of rows whose input hides every codebook but the first (each track's later codebooks set to the pad id, the
    /// targets kept), or null for none, SongGen's. A departure for measuring whether the later codebooks' history, from
    /// which the next first-codebook code is largely predictable, keeps the model from reading the description.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? FineInputDropout { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (Songs < 1 || Batch < 1) throw new ArgumentException("songs and batch must be positive.");
        if (!double.IsFinite(Seconds) || Seconds < 1 || Seconds > 30) throw new ArgumentException("seconds must be in [1, 30].");
        if (OpeningWeight is { } w && (!double.IsFinite(w) || w < 1 || w > 100)) throw new ArgumentException("opening weight must be in [1, 100].");
        if (OpeningSeconds is { } o && (!double.IsFinite(o) || o <= 0 || o > Seconds)) throw new ArgumentException("opening seconds must be in (0, seconds].");
        if ((OpeningWeight is null) != (OpeningSeconds is null)) throw new ArgumentException("give opening weight and opening seconds together.");
        if (FineInputDropout is { } f && (!double.IsFinite(f) || f <= 0 || f > 1)) throw new ArgumentException("fine input dropout must be in (0, 1].");
        if (!double.IsFinite(ConditionDropout) || ConditionDropout < 0 || ConditionDropout >= 1) throw new ArgumentException("condition dropout must be in [0, 1).");
    }
}
