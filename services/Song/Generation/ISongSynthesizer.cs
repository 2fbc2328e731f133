namespace Media.Services.Song.Generation;

/// <summary>The sampling defaults of a song model, used where a request leaves a field out.</summary>
public sealed record SongSamplingDefaults(double Temperature, int TopK, double GuidanceScale)
{
    /// <summary>SongGen's and MusicGen's: temperature 1, top-k 250, guidance 3.</summary>
    public static SongSamplingDefaults SongGen { get; } = new(1.0, 250, 3.0);

    /// <summary>LeVo's released code: temperature 0.9, top-k 50, guidance 1.5.</summary>
    public static SongSamplingDefaults LeVo { get; } = new(0.9, 50, 1.5);
}

/// <summary>
/// A served song model (SongGen in one mode, or LeVo): it makes a song of a <see cref="SongSpec"/>, handing each decoded
/// piece of the mix on as soon as it exists, and returns the mix with the stems when it has them.
/// </summary>
public interface ISongSynthesizer : IDisposable
{
    /// <summary>What the model is, as an evaluation row names it: SongGen's mode, or <c>levo</c>.</summary>
    string Name { get; }

    /// <summary>Sample rate of the audio.</summary>
    int SampleRate { get; }

    /// <summary>Token frames per second of the model's streams.</summary>
    int FrameRate { get; }

    /// <summary>Longest song it makes, in seconds.</summary>
    double MaxSeconds { get; }

    /// <summary>Temperature, top-k and guidance where a request does not set them.</summary>
    SongSamplingDefaults Defaults { get; }

    /// <summary>
    /// What the model's tokens keep of a song (mono, at <see cref="SampleRate"/>): the mix (SongGen's mixed modes) or each
    /// stem (dual-track modes, LeVo) encoded to the model's tokens and decoded as its songs are, summed. The estimators'
    /// readings of it bound what the model's songs can score, whatever the model learned.
    /// </summary>
    float[] RoundTrip(float[] mix, float[] vocals, float[] accompaniment);

    /// <summary>Generates <paramref name="spec"/>, calling <paramref name="onChunk"/> with each piece of the mix as it is decoded.</summary>
    Task<SongAudio> SynthesizeAsync(SongSpec spec, Func<float[], CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken);
}
