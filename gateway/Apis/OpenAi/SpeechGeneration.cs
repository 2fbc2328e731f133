using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Audio.Formats;
using Media.Audio.IO;
using Media.Hosting;
using Media.Hosting.Artifacts;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Workers;
using Media.Services.Audio.Speech;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// <c>POST /v1/audio/speech</c>: OpenAI's speech request as a speech job. Without <c>stream_format</c> the
/// answer is the finished file; <c>stream_format: "audio"</c> sends the file's bytes as the job makes
/// the audio (chunked), <c>"sse"</c> sends them base64 in <c>speech.audio.delta</c> events and ends with
/// <c>speech.audio.done</c>; either way each chunk is encoded in the asked format as it comes. Formats:
/// <c>mp3</c> (the default when its encoder is installed, as OpenAI's; WAV otherwise), <c>aac</c> (ADTS),
/// <c>flac</c>, <c>opus</c> (Ogg Opus), <c>wav</c> (the model's rate) and <c>pcm</c> (24 kHz 16-bit mono
/// little-endian, as OpenAI's); a format whose encoder is not installed answers 400 naming its package.
/// </summary>
internal static class SpeechGeneration
{
    public const int MaxInputLength = 4096;

    internal sealed record Request(string Model, string Input, string? Voice, double? Speed, string Format, string? StreamFormat, long? Seed);

    public static async Task Handle(HttpContext context, JobService jobs, IArtifactStore artifacts, ModelCatalog catalog,
        AudioEncoders encoders, IOptions<JobsOptions> jobsOptions, IOptions<JsonOptions> jsonOptions)
    {
        var cancellationToken = context.RequestAborted;
        var (body, bodyError) = await OpenAiApi.ReadJsonAsync(context, jobsOptions.Value.MaxRequestBytes, cancellationToken);
        if (bodyError is not null) { await bodyError.ExecuteAsync(context); return; }
        var (request, invalid) = Parse(body!.RootElement, catalog, encoders);
        body.Dispose();
        if (invalid is not null) { await OpenAiError.Invalid(context, invalid.Value.Param, invalid.Value.Message).ExecuteAsync(context); return; }

        Job job;
        try
        {
            job = (await jobs.SubmitAsync(Submission(request!, Caller.Owner(context)) with { Quota = Caller.Quota(context.User) }, cancellationToken)).Job;
        }
        catch (JobRejectedException rejected)
        {
            await OpenAiError.FromRejection(context, rejected, ParamName).ExecuteAsync(context);
            return;
        }
        context.Response.Headers["x-media-job-id"] = job.Id;

        using var encoder = encoders.Create(request!.Format);
        try
        {
            if (request.StreamFormat is null) await RespondAsync(context, jobs, artifacts, request, job, encoder);
            else await StreamAsync(context, jobs, artifacts, request, job, encoder, jsonOptions.Value.SerializerOptions, TimeSpan.FromSeconds(jobsOptions.Value.HeartbeatSeconds));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await JobRelay.CancelAsync(jobs, [job.Id]);
        }
    }

    internal static (Request? Request, (string Param, string Message)? Problem) Parse(JsonElement body, ModelCatalog catalog,
        AudioEncoders encoders)
    {
        var fields = new RequestFields(body);
        if (!fields.IsObject) return (null, ("body", "The request body must be a JSON object"));
        string? model = fields.String("model");
        string? input = fields.String("input", required: true, maxLength: MaxInputLength);
        string? voice = fields.String("voice");
        double? speed = fields.Number("speed", 0.25, 4.0);
        string format = fields.Choice("response_format", [.. AudioFormat.All.Select(f => f.Name)]) ?? encoders.DefaultSpeechFormat.Name;
        string? streamFormat = fields.Choice("stream_format", "audio", "sse");
        string? instructions = fields.String("instructions");
        long? seed = fields.Integer("seed", 0, (1L << 53) - 1);
        fields.RefuseUnknown();
        if (fields.Problem is null && !encoders.IsAvailable(format))
            fields.Fail("response_format", $"response_format '{format}' is not available: this server has no {format} encoder "
                + $"(install the Debian package '{AudioFormat.Find(format)!.Package}'); available here: {string.Join(", ", encoders.Available.Select(f => f.Name))}");
        if (!string.IsNullOrEmpty(instructions))
            fields.Fail("instructions", "'instructions' is not supported: the speech models here take no style instructions");
        if (fields.Problem is { } problem) return (null, problem);

        string? modelId = JobRelay.ModelFor(SpeechJobKind.Name, model, catalog);
        if (modelId is null) return (null, ("model", "No speech model is part of this build"));
        return (new Request(modelId, input!, voice, speed, format, streamFormat, seed), null);
    }

    /// <summary>The job parameter a submission error names, as the request called it.</summary>
    internal static string ParamName(string jobParameter) => jobParameter == "text" ? "input" : jobParameter;

    internal static JobSubmission Submission(Request request, string owner)
    {
        var parameters = new JsonObject { ["text"] = request.Input };
        if (request.Voice is not null) parameters["voice"] = request.Voice;
        if (request.Speed is { } speed) parameters["speed"] = speed;
        if (request.Seed is { } seed) parameters["seed"] = seed;
        return new JobSubmission(SpeechJobKind.Name, request.Model, JsonSerializer.SerializeToElement(parameters)) { Owner = owner };
    }

    /// <summary>The finished file: the WAV artifact as it is, or its audio encoded as asked.</summary>
    static async Task RespondAsync(HttpContext context, JobService jobs, IArtifactStore artifacts, Request request, Job job, AudioEncoder encoder)
    {
        var cancellationToken = context.RequestAborted;
        var finished = await JobRelay.WaitAsync(jobs, job.Id, cancellationToken);
        if (finished.Status != JobStatus.Succeeded || finished.Artifacts.Count == 0)
        {
            await new OpenAiError(JobRelay.Reason(finished), OpenAiError.ServerError, null, "generation_failed")
                .ToResult(StatusCodes.Status500InternalServerError, context).ExecuteAsync(context);
            return;
        }
        byte[] wav = await JobRelay.ReadArtifactAsync(artifacts, finished.Artifacts[0], cancellationToken);
        await TypedResults.Bytes(FileBytes(wav, request.Format, encoder), encoder.ContentType).ExecuteAsync(context);
    }

    /// <summary>The whole file in the asked format: the WAV artifact as it is, or its audio encoded.</summary>
    internal static byte[] FileBytes(byte[] wav, string format, AudioEncoder encoder)
    {
        if (format == "wav") return wav;
        var audio = WavFile.Read(wav);
        return encoder.EncodeAll(Pcm16.Interleave(audio), audio.SampleRate, audio.ChannelCount);
    }

    /// <summary>
    /// The file while it is being made: each audio chunk of the job, encoded, goes out at once. A job
    /// that sends no chunks is answered from its artifact at the end. A job that fails after the answer
    /// began ends the stream with an error event (SSE) or by aborting the connection (raw audio), so a
    /// client never takes a cut file for a whole one.
    /// </summary>
    static async Task StreamAsync(HttpContext context, JobService jobs, IArtifactStore artifacts, Request request, Job job, AudioEncoder encoder,
        JsonSerializerOptions json, TimeSpan heartbeat)
    {
        var cancellationToken = context.RequestAborted;
        if (request.StreamFormat == "sse")
        {
            await JobRelay.StreamEventsAsync(context, SseEvents(Pieces(jobs, artifacts, job, encoder, cancellationToken), json), heartbeat);
            return;
        }
        var response = context.Response;
        response.ContentType = encoder.ContentType;
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(cancellationToken);
        await foreach (var (audio, error) in Pieces(jobs, artifacts, job, encoder, cancellationToken))
        {
            if (error is not null)
            {
                context.Abort();
                return;
            }
            await response.Body.WriteAsync(audio, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>The pieces as OpenAI's <c>speech.audio.delta</c> events, then <c>speech.audio.done</c> (or an error event).</summary>
    static async IAsyncEnumerable<SseItem<string>> SseEvents(IAsyncEnumerable<(byte[] Audio, string? Error)> pieces, JsonSerializerOptions json)
    {
        await foreach (var (audio, error) in pieces)
        {
            if (error is not null)
            {
                yield return JobRelay.Event("error", JobRelay.ErrorEvent(error, "generation_failed"), json);
                yield break;
            }
            yield return JobRelay.Event(AudioDelta.Name, new AudioDelta(Convert.ToBase64String(audio)), json);
        }
        yield return JobRelay.Event(AudioDone.Name, new AudioDone(), json);
    }

    /// <summary>The encoded file in the pieces the job makes it; a job that ends without succeeding ends them with the reason.</summary>
    static async IAsyncEnumerable<(byte[] Audio, string? Error)> Pieces(JobService jobs, IArtifactStore artifacts, Job job, AudioEncoder encoder,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool anyChunk = false;
        await foreach (var e in jobs.Events.ReadAsync(job.Id, 0, cancellationToken))
        {
            switch (e.Type)
            {
                case JobEventType.AudioChunk when e.Payload is { } pcm:
                    anyChunk = true;
                    if (encoder.Append(Pcm16.FromBytes(pcm), e.SampleRate ?? 0, e.Channels ?? 1) is { Length: > 0 } encoded) yield return (encoded, null);
                    break;
                case JobEventType.Completed:
                    if (!anyChunk && await jobs.GetAsync(job.Id, cancellationToken) is { Artifacts: [var artifact, ..] })
                    {
                        var audio = WavFile.Read(await JobRelay.ReadArtifactAsync(artifacts, artifact, cancellationToken));
                        if (encoder.Append(Pcm16.Interleave(audio), audio.SampleRate, audio.ChannelCount) is { Length: > 0 } whole) yield return (whole, null);
                    }
                    if (encoder.Finish() is { Length: > 0 } tail) yield return (tail, null);
                    yield break;
                case JobEventType.Failed or JobEventType.Cancelled:
                    yield return ([], await jobs.GetAsync(job.Id, cancellationToken) is { } ended ? JobRelay.Reason(ended) : e.Message ?? "The job ended");
                    yield break;
            }
        }
    }

    /// <summary>OpenAI's SpeechAudioDeltaEvent: a piece of the file, base64.</summary>
    internal sealed record AudioDelta(string Audio)
    {
        public const string Name = "speech.audio.delta";
        public string Type { get; init; } = Name;
    }

    /// <summary>OpenAI's SpeechAudioDoneEvent (without usage: tokens are not metered here).</summary>
    internal sealed record AudioDone
    {
        public const string Name = "speech.audio.done";
        public string Type { get; init; } = Name;
    }
}
