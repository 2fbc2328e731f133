using Media.Hosting.Jobs;
using Media.Hosting.Workers;

namespace Media.Hosting.Tests.Support;

/// <summary>
/// A deterministic stand-in for a model, for tests only: <c>steps</c> steps (from the job's parameters,
/// else <see cref="DefaultSteps"/>), each a short wait then a progress event; a PNG preview half way;
/// for speech a 16-bit PCM chunk per step. It checks the token before every step, can be told to
/// throw at a step, and returns a tiny real PNG (image) or WAV (speech). A song of <c>duration_seconds</c> (default 1) is
/// ten 100 ms chunks a second, returned as <c>song.wav</c>, with <c>vocals.wav</c> and <c>accompaniment.wav</c> stems
/// for a dual-track <c>mode</c> (as the song service returns them).
/// </summary>
public sealed class StepGenerator(TimeSpan stepDelay, int? throwAtStep = null) : IGenerator
{
    public const int DefaultSteps = 5;
    public const int SampleRate = 8000;
    public const int SamplesPerChunk = 80;

    /// <summary>Steps this generator has begun, over all jobs (a cancelled job must stop within one step).</summary>
    public int StepsBegun => stepsBegun;
    int stepsBegun;

    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        bool song = job.Kind == SongKind;
        bool edit = job.Kind == SpeechEditKind;
        bool sounds = song || edit || job.Kind == TestModels.SpeechKind.Name;
        int samples = song ? SampleRate / 10 : SamplesPerChunk;
        int steps = song
            ? (int)Math.Round(10 * (job.Parameters.TryGetProperty("duration_seconds", out var d) ? d.GetDouble() : 1))
            : job.Parameters.TryGetProperty("steps", out var s) ? s.GetInt32() : DefaultSteps;
        var audio = new List<byte>();
        for (int step = 1; step <= steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref stepsBegun);
            await Task.Delay(stepDelay, cancellationToken);
            if (step == throwAtStep) throw new InvalidOperationException($"the test generator was told to fail at step {step}");
            if (sounds)
            {
                var chunk = Chunk(step, samples);
                audio.AddRange(chunk);
                await events.AudioChunkAsync(chunk, SampleRate, 1, cancellationToken);
            }
            await events.ProgressAsync(step, steps, cancellationToken);
            if (!sounds && step == (steps + 1) / 2) await events.PreviewAsync(TinyMedia.Png(4, 4, (byte)(step * 10)), step, steps, cancellationToken);
        }
        if (song) return SongArtifacts(audio.ToArray(), job.Parameters.TryGetProperty("mode", out var m) ? m.GetString()! : "mixed");
        if (edit) return EditArtifacts(audio.ToArray(), job.Parameters);
        return sounds
            ? [new GeneratedArtifact(TinyMedia.Wav(audio.ToArray(), SampleRate), "audio/wav", "speech.wav")]
            : [new GeneratedArtifact(TinyMedia.Png(8, 8, (byte)steps), "image/png", "image.png")];
    }

    /// <summary>The song service's job kind name (the gateway registers the kind itself).</summary>
    public const string SongKind = "song";

    /// <summary>The audio service's speech editing kind (the gateway registers the kind itself).</summary>
    public const string SpeechEditKind = "speech-edit";

    /// <summary>
    /// An edit's artifacts as the speech service returns them: the edited WAV and edit.json. The stand-in reports the whole
    /// transcript replaced by the whole new text over the whole recording.
    /// </summary>
    static GeneratedArtifact[] EditArtifacts(byte[] audio, System.Text.Json.JsonElement parameters)
    {
        double seconds = audio.Length / 2.0 / SampleRate;
        var report = new Dictionary<string, object>
        {
            ["method"] = parameters.TryGetProperty("method", out var m) ? m.GetString()! : "left-context",
            ["replaced"] = parameters.GetProperty("transcript").GetString()!,
            ["with"] = parameters.GetProperty("text").GetString()!,
            ["span_start_s"] = 0.0,
            ["span_end_s"] = seconds,
        };
        return [new GeneratedArtifact(TinyMedia.Wav(audio, SampleRate), "audio/wav", "speech-edit.wav"),
                new GeneratedArtifact(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report), "application/json", "edit.json")];
    }

    static GeneratedArtifact[] SongArtifacts(byte[] mix, string mode)
    {
        var song = new GeneratedArtifact(TinyMedia.Wav(mix, SampleRate), "audio/wav", "song.wav");
        if (mode.StartsWith("mixed", StringComparison.Ordinal)) return [song];
        // Stems that sum to the mix: a quarter of every sample sung, the rest played.
        var vocals = new byte[mix.Length];
        var accompaniment = new byte[mix.Length];
        for (int i = 0; i < mix.Length; i += 2)
        {
            short sample = BitConverter.ToInt16(mix, i), sung = (short)(sample / 4);
            BitConverter.TryWriteBytes(vocals.AsSpan(i), sung);
            BitConverter.TryWriteBytes(accompaniment.AsSpan(i), (short)(sample - sung));
        }
        return [song, new(TinyMedia.Wav(vocals, SampleRate), "audio/wav", "vocals.wav"), new(TinyMedia.Wav(accompaniment, SampleRate), "audio/wav", "accompaniment.wav")];
    }

    /// <summary>Step k's samples: the constant k*100, so every chunk can be told apart.</summary>
    public static byte[] Chunk(int step, int samples = SamplesPerChunk)
    {
        var pcm = new byte[samples * 2];
        for (int i = 0; i < samples; i++) BitConverter.TryWriteBytes(pcm.AsSpan(2 * i), (short)(step * 100));
        return pcm;
    }
}
