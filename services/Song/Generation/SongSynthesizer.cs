using System.Diagnostics;
using Media.Audio.IO;
using Media.Services.Song.Model;
using Media.Tokenizers.Audio.Codec;

namespace Media.Services.Song.Generation;

/// <summary>
/// Makes songs with a served model and the codec its tokens belong to: the request steps on the shared scheduler while
/// this decodes every <see cref="FramesPerChunk"/> frames as soon as the layout has completed them (the codec's streaming
/// decoder per track, its state carried between chunks) and hands the mix's chunk on at once; dual-track modes decode
/// both tracks, the chunk being their sum, and keep each as a stem.
/// </summary>
public sealed class SongSynthesizer(SongStepLoop loop, NeuralAudioCodec codec, int framesPerChunk = 25) : ISongSynthesizer
{
    /// <summary>Frames decoded per audio chunk (25 = half a second at 50 frames/s).</summary>
    public int FramesPerChunk { get; } = framesPerChunk;

    /// <summary>The model's config.</summary>
    public SongGenConfig Config => loop.Model.Config;

    /// <inheritdoc/>
    public string Name => Config.Mode;

    /// <inheritdoc/>
    public int SampleRate => codec.Model.Config.SamplingRate;

    /// <inheritdoc/>
    public int FrameRate => Config.FrameRate;

    /// <inheritdoc/>
    public double MaxSeconds => Config.MaxFrames / (double)Config.FrameRate;

    /// <inheritdoc/>
    public SongSamplingDefaults Defaults => SongSamplingDefaults.SongGen;

    /// <summary>Frames a song of <paramref name="seconds"/> takes (at least one; at most the model's longest).</summary>
    public int Frames(double seconds) => Math.Clamp((int)Math.Ceiling(seconds * Config.FrameRate), 1, Config.MaxFrames);

    /// <inheritdoc/>
    public async Task<SongAudio> SynthesizeAsync(SongSpec spec, Func<float[], CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(onChunk);
        if (spec.Mode is { } asked && asked != Config.SongMode)
            throw new ArgumentException($"parameters.mode: this model was trained for {Config.Mode}, not {SongModes.Name(asked)}.");
        var clock = Stopwatch.StartNew();
        var map = new SongStepMap(Config.SongMode, Config.Codebooks, Config.CodebookSize, Frames(spec.Seconds));
        using var request = new SongRequest(loop.Model, loop.Head, spec.Condition, map, spec.Sampling, spec.GuidanceScale);
        var decoders = request.Codes.Select(track => codec.DecodeChunks(track, FramesPerChunk).GetEnumerator()).ToArray();
        var tracks = request.Codes.Select(_ => new List<float>()).ToArray();
        var mix = new List<float>();
        double firstChunk = -1;
        int decodedFrames = 0;
        try
        {
            async ValueTask DecodeUpTo(int ready)
            {
                while (decodedFrames < map.Frames && (ready - decodedFrames >= FramesPerChunk || ready == map.Frames))
                {
                    float[]? sum = null;
                    for (int t = 0; t < decoders.Length; t++)
                    {
                        if (!decoders[t].MoveNext()) throw new InvalidOperationException("The codec's stream ended early.");
                        var piece = decoders[t].Current.Channels[0];
                        tracks[t].AddRange(piece);
                        sum = sum is null ? piece : SongAudio.Sum(sum, piece);
                    }
                    decodedFrames = Math.Min(map.Frames, decodedFrames + FramesPerChunk);
                    // A decoder with look-ahead (Vocos) gives nothing for its first chunks: no empty chunk leaves.
                    if (sum!.Length == 0) continue;
                    mix.AddRange(sum);
                    if (firstChunk < 0) firstChunk = clock.Elapsed.TotalSeconds;
                    await onChunk(sum, cancellationToken).ConfigureAwait(false);
                }
            }
            await foreach (int step in loop.StepsAsync(request, cancellationToken).ConfigureAwait(false))
                await DecodeUpTo(map.FramesReady(step)).ConfigureAwait(false);
            await DecodeUpTo(map.Frames).ConfigureAwait(false);
        }
        finally
        {
            foreach (var d in decoders) d.Dispose();
        }
        bool dual = map.Tracks == 2;
        return new SongAudio([.. mix], dual ? [.. tracks[1]] : null, dual ? [.. tracks[0]] : null, SampleRate, firstChunk, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc/>
    public float[] RoundTrip(float[] mix, float[] vocals, float[] accompaniment)
    {
        ArgumentNullException.ThrowIfNull(mix);
        ArgumentNullException.ThrowIfNull(vocals);
        ArgumentNullException.ThrowIfNull(accompaniment);
        // As training encodes a song's tracks (SongTokenDataset): the codec at the model's codebooks.
        float[] Through(float[] track) => codec.Reconstruct(AudioBuffer.FromMono(track, SampleRate), Config.Codebooks).Channels[0];
        return SongModes.IsDualTrack(Config.SongMode) ? SongAudio.Sum(Through(vocals), Through(accompaniment)) : Through(mix);
    }

    /// <summary>Frees the served model and the codec.</summary>
    public void Dispose()
    {
        loop.Dispose();
        codec.Dispose();
    }
}
