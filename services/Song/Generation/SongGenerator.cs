using Media.Audio.IO;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;

namespace Media.Services.Song.Generation;

/// <summary>
/// The runner of <c>song</c> jobs on a song model (SongGen or LeVo): each decoded piece of the mix leaves as an <c>audio-chunk</c> event (16-bit PCM) while
/// later frames are generated; the finished mix is the artifact <c>song.wav</c>, and a dual-track model adds the stems
/// <c>vocals.wav</c> and <c>accompaniment.wav</c>. Concurrent jobs step together on the model's scheduler.
/// </summary>
public sealed class SongGenerator(ISongSynthesizer songs) : IGenerator, IDisposable
{
    /// <summary>The models folder's subfolder of SongGen.</summary>
    public const string ModelFolder = "songgen";

    /// <summary>The models folder's subfolder of LeVo.</summary>
    public const string LeVoFolder = "levo";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var spec = SongSpec.Parse(job.Parameters, songs.Defaults);
        var audio = await songs.SynthesizeAsync(spec,
            (chunk, ct) => events.AudioChunkAsync(Pcm16.ToBytes(chunk), songs.SampleRate, 1, ct), cancellationToken).ConfigureAwait(false);
        byte[] Wav(float[] samples) => WavFile.ToBytes(AudioBuffer.FromMono(samples, audio.SampleRate));
        var artifacts = new List<GeneratedArtifact> { new(Wav(audio.Mix), "audio/wav", "song.wav") };
        if (audio.Vocals is { } vocals) artifacts.Add(new GeneratedArtifact(Wav(vocals), "audio/wav", "vocals.wav"));
        if (audio.Accompaniment is { } accompaniment) artifacts.Add(new GeneratedArtifact(Wav(accompaniment), "audio/wav", "accompaniment.wav"));
        return artifacts;
    }

    /// <inheritdoc/>
    public void Dispose() => songs.Dispose();
}
