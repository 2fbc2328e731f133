using Media.Hosting.Jobs;
using Media.Hosting.Workers;

namespace Media.Hosting.Tests.Support;

/// <summary>
/// A deterministic stand-in for a model, for tests only: <c>steps</c> steps (from the job's parameters,
/// else <see cref="DefaultSteps"/>), each a short wait then a progress event; a PNG preview half way;
/// for speech a 16-bit PCM chunk per step. It checks the token before every step, can be told to
/// throw at a step, and returns a tiny real PNG (image) or WAV (speech).
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
        int steps = job.Parameters.TryGetProperty("steps", out var s) ? s.GetInt32() : DefaultSteps;
        bool speech = job.Kind == TestModels.SpeechKind.Name;
        var audio = new List<byte>();
        for (int step = 1; step <= steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref stepsBegun);
            await Task.Delay(stepDelay, cancellationToken);
            if (step == throwAtStep) throw new InvalidOperationException($"the test generator was told to fail at step {step}");
            if (speech)
            {
                var chunk = Chunk(step);
                audio.AddRange(chunk);
                await events.AudioChunkAsync(chunk, SampleRate, 1, cancellationToken);
            }
            await events.ProgressAsync(step, steps, cancellationToken);
            if (!speech && step == (steps + 1) / 2) await events.PreviewAsync(TinyMedia.Png(4, 4, (byte)(step * 10)), step, steps, cancellationToken);
        }
        return speech
            ? [new GeneratedArtifact(TinyMedia.Wav(audio.ToArray(), SampleRate), "audio/wav", "speech.wav")]
            : [new GeneratedArtifact(TinyMedia.Png(8, 8, (byte)steps), "image/png", "image.png")];
    }

    /// <summary>Step k's samples: the constant k*100, so every chunk can be told apart.</summary>
    public static byte[] Chunk(int step)
    {
        var pcm = new byte[SamplesPerChunk * 2];
        for (int i = 0; i < SamplesPerChunk; i++) BitConverter.TryWriteBytes(pcm.AsSpan(2 * i), (short)(step * 100));
        return pcm;
    }
}
