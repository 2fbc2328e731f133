using System.Text.Json;
using System.Text.Json.Serialization;

namespace Media.Hosting.Batches;

/// <summary>One line of a <c>/api/batches</c> batch's output or error file.</summary>
public sealed record BatchOutputLine(string CustomId, string? JobId, string Status, IReadOnlyList<string> Artifacts, BatchLineError? Error);

public sealed record BatchLineError(string Code, string Message);

/// <summary>
/// One line of an OpenAI batch's output or error file: the route's answer (<c>response</c>), or with
/// <c>response</c> null why the request never ran (<c>error</c>: cancelled or expired with its batch).
/// </summary>
public sealed record BatchResponseLine(
    string Id, string CustomId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] BatchResponse? Response,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] BatchLineError? Error);

public sealed record BatchResponse(int StatusCode, string RequestId, JsonElement Body);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BatchOutputLine))]
[JsonSerializable(typeof(BatchResponseLine))]
internal sealed partial class BatchLineJson : JsonSerializerContext;

[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
internal sealed partial class JsonNodeJson : JsonSerializerContext;
