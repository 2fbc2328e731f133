using System.Text.Json;
using Media.Audio.Formats;
using Media.Hosting.Artifacts;
using Media.Hosting.Batches;
using Media.Hosting.Jobs;
using Media.Hosting.Models;
using Media.Hosting.Workers;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Apis.OpenAi.Batches;

/// <summary>
/// <c>/v1/audio/speech</c> in a batch: a line's body is read by the route's own parser and makes the route's
/// job. The route answers with raw audio bytes, which a JSONL line cannot hold, so a finished line is
/// answered with the same file base64-encoded: <c>{"response_format", "content_type", "b64_audio"}</c>.
/// </summary>
internal sealed class SpeechBatchEndpoint(ModelCatalog catalog, AudioEncoders encoders, IArtifactStore artifacts, IOptions<JsonOptions> json) : RouteBatchEndpoint
{
    public override string Url => "/v1/audio/speech";

    public override BatchLinePlan Plan(JsonElement body, string owner)
    {
        var (request, problem) = SpeechGeneration.Parse(body, catalog, encoders);
        if (problem is { } p) return Invalid(p.Param, p.Message);
        if (request!.StreamFormat is not null)
            return Invalid("stream_format", "A batch answers each request once with the whole file: leave 'stream_format' out");
        return new BatchLinePlan([SpeechGeneration.Submission(request, owner)]);
    }

    protected override string ParamName(string jobParameter) => SpeechGeneration.ParamName(jobParameter);

    public override async Task<JsonElement> RespondAsync(JsonElement body, IReadOnlyList<Job> jobs, Batch batch, CancellationToken cancellationToken)
    {
        var request = SpeechGeneration.Parse(body, catalog, encoders).Request
            ?? throw new InvalidOperationException("The request no longer parses.");
        var job = jobs[0];
        string artifact = job.Artifacts.Count > 0 ? job.Artifacts[0] : throw new InvalidOperationException($"Job {job.Id} made no audio.");
        byte[] wav = await JobRelay.ReadArtifactAsync(artifacts, artifact, cancellationToken);
        using var encoder = encoders.Create(request.Format);
        byte[] file = SpeechGeneration.FileBytes(wav, request.Format, encoder);
        return JsonSerializer.SerializeToElement(new SpeechFile(request.Format, encoder.ContentType, Convert.ToBase64String(file)), json.Value.SerializerOptions);
    }

    /// <summary>The speech file of a batch line: what the route would have sent as the response body, base64.</summary>
    internal sealed record SpeechFile(string ResponseFormat, string ContentType, string B64Audio);
}
