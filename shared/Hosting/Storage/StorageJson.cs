using System.Text.Json.Serialization;

namespace Media.Hosting.Storage;

/// <summary>The small fields of an event, stored as one JSON column beside the payload blob.</summary>
internal sealed record EventData(int? Step, int? TotalSteps, string? Message, List<string>? Artifacts, string? ContentType, int? SampleRate, int? Channels);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EventData))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class StorageJson : JsonSerializerContext;
