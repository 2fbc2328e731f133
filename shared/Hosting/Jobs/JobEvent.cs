using System.Text.Json.Serialization;

namespace Media.Hosting.Jobs;

/// <summary>
/// One entry of a job's event log. <see cref="Sequence"/> counts from 1 per job with no gaps, so a
/// client that saw event N resumes with "after N". Binary payloads (a PNG preview, a PCM chunk) ride
/// in <see cref="Payload"/>: stored as a blob with the event, sent as bytes over MessagePack and as
/// base64 in JSON. Settable properties keep it serializable by JSON and MessagePack alike.
/// </summary>
public sealed class JobEvent
{
    public string JobId { get; set; } = "";
    public long Sequence { get; set; }
    public JobEventType Type { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>Progress: the step just finished (1-based) and the number of steps.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Step { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TotalSteps { get; set; }

    /// <summary>Why a job failed, was cancelled or went back to the queue.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; set; }

    /// <summary>Completed: the job's artifact ids.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IList<string>? Artifacts { get; set; }

    /// <summary>Media type of <see cref="Payload"/>: image/png for previews, audio/pcm (16-bit little-endian) for chunks.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentType { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SampleRate { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Channels { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
#pragma warning disable CA1819 // the wire format wants the bytes as they are (MessagePack bin, JSON base64)
    public byte[]? Payload { get; set; }
#pragma warning restore CA1819

    public static bool IsTerminal(JobEventType type) =>
        type is JobEventType.Completed or JobEventType.Failed or JobEventType.Cancelled;
}
