using System.Diagnostics;
using Media.Services.Song.Generation;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Kmeans;

namespace Media.Services.Song.LeVo.Generation;

/// <summary>
/// Makes songs with a served LeVo model: the request steps on the shared scheduler while this decodes the vocal and
/// accompaniment tokens every <see cref="TokensPerChunk"/> tokens as soon as both are complete (the tokenizer's streaming
/// decode through the codec, per track), hands their sum on as the mix's chunk, and keeps each track as a stem. The mixed
/// tokens are never decoded, as in LeVo. LeVo has no modes: a request naming one is refused.
/// </summary>
public sealed class LeVoSynthesizer(LeVoStepLoop loop, NeuralAudioCodec codec, CodecLatentTokenizer tokenizer, int tokensPerChunk = 12) : ISongSynthesizer
{
    /// <summary>Tokens decoded per audio chunk (12 = about half a second at 25 tokens/s).</summary>
    public int TokensPerChunk { get; } = tokensPerChunk;

    /// <summary>The model's config.</summary>
    public LeVoConfig Config => loop.Model.Config;

    /// <inheritdoc/>
    public string Name => "levo";

    /// <inheritdoc/>
    public int SampleRate => tokenizer.SampleRate;

    /// <inheritdoc/>
    public int FrameRate => (int)Math.Round(Config.TokenRate);

    /// <inheritdoc/>
    public double MaxSeconds => Config.MaxTokens / Config.TokenRate;

    /// <inheritdoc/>
    public SongSamplingDefaults Defaults => SongSamplingDefaults.LeVo;

    /// <summary>Tokens a song of <paramref name="seconds"/> takes (at least one; at most the model's longest).</summary>
    public int Tokens(double seconds) => Math.Clamp((int)Math.Ceiling(seconds * Config.TokenRate), 1, Config.MaxTokens);

    /// <inheritdoc/>
    public async Task<SongAudio> SynthesizeAsync(SongSpec spec, Func<float[], CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken) =>
        (await GenerateAsync(spec, onChunk, cancellationToken).ConfigureAwait(false)).Audio;

    /// <summary>As <see cref="SynthesizeAsync"/>, also returning the three token streams (what DPO pairs are made of).</summary>
    public async Task<(SongAudio Audio, int[] Mixed, int[] Vocal, int[] Accompaniment)> GenerateAsync(SongSpec spec, Func<float[], CancellationToken, ValueTask> onChunk,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(onChunk);
        if (spec.Mode is { } asked)
            throw new ArgumentException($"parameters.mode: levo generates the mix and both tracks together and has no modes ({SongModes.Name(asked)} is SongGen's).");
        var clock = Stopwatch.StartNew();
        int tokens = Tokens(spec.Seconds);
        using var request = new LeVoRequest(loop.Model, LeVoCondition.Of(Config, spec.Condition.Description, spec.Condition.Lyrics), tokens, spec.Sampling, spec.GuidanceScale);
        using var vocalPieces = tokenizer.DecodeChunks(request.Vocal, TokensPerChunk).GetEnumerator();
        using var accompanimentPieces = tokenizer.DecodeChunks(request.Accompaniment, TokensPerChunk).GetEnumerator();
        var vocals = new List<float>();
        var accompaniment = new List<float>();
        var mix = new List<float>();
        double firstChunk = -1;
        int decoded = 0;
        async ValueTask DecodeUpTo(int ready)
        {
            while (decoded < tokens && (ready - decoded >= TokensPerChunk || ready == tokens))
            {
                if (!vocalPieces.MoveNext() || !accompanimentPieces.MoveNext()) throw new InvalidOperationException("The tokenizer's stream ended early.");
                var v = vocalPieces.Current;
                var a = accompanimentPieces.Current;
                vocals.AddRange(v);
                accompaniment.AddRange(a);
                var sum = SongAudio.Sum(v, a);
                mix.AddRange(sum);
                decoded = Math.Min(tokens, decoded + TokensPerChunk);
                // A decoder with look-ahead (Vocos) gives nothing for its first chunks: no empty chunk leaves.
                if (sum.Length == 0) continue;
                if (firstChunk < 0) firstChunk = clock.Elapsed.TotalSeconds;
                await onChunk(sum, cancellationToken).ConfigureAwait(false);
            }
        }
        await foreach (int step in loop.StepsAsync(request, cancellationToken).ConfigureAwait(false))
            await DecodeUpTo(request.TracksReady(step)).ConfigureAwait(false);
        await DecodeUpTo(tokens).ConfigureAwait(false);
        return (new SongAudio([.. mix], [.. vocals], [.. accompaniment], SampleRate, firstChunk, clock.Elapsed.TotalSeconds),
            [.. request.Mixed], [.. request.Vocal], [.. request.Accompaniment]);
    }

    /// <inheritdoc/>
    public float[] RoundTrip(float[] mix, float[] vocals, float[] accompaniment)
    {
        ArgumentNullException.ThrowIfNull(mix);
        ArgumentNullException.ThrowIfNull(vocals);
        ArgumentNullException.ThrowIfNull(accompaniment);
        // LeVo's audio comes from the vocal and accompaniment tokens alone (the mixed stream is never decoded).
        return SongAudio.Sum(tokenizer.Decode(tokenizer.Encode(vocals)), tokenizer.Decode(tokenizer.Encode(accompaniment)));
    }

    /// <summary>Frees the served model, the tokenizer and the codec.</summary>
    public void Dispose()
    {
        loop.Dispose();
        tokenizer.Dispose();
        codec.Dispose();
    }
}
