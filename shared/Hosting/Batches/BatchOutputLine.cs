using System.Text.Json.Serialization;

namespace Media.Hosting.Batches;

/// <summary>One line of a batch's output or error file.</summary>
public sealed record BatchOutputLine(string CustomId, string? JobId, string Status, IReadOnlyList<string> Artifacts, BatchLineError? Error);

public sealed record BatchLineError(string Code, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BatchOutputLine))]
internal sealed partial class BatchLineJson : JsonSerializerContext;
