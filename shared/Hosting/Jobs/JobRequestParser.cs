using System.Text.Json;

namespace Media.Hosting.Jobs;

/// <summary>
/// Reads the JSON body of a job request (REST, hub and batch lines share it):
/// <c>{"kind": "image", "model": "token-shuffle", "parameters": {...}, "priority": "interactive"}</c>.
/// Shape errors come back by field; the parameters are checked later against the kind's schema.
/// </summary>
public static class JobRequestParser
{
    static readonly string[] Fields = ["kind", "model", "parameters", "priority"];

    public static JobSubmission Parse(JsonElement body, JobKindRegistry kinds, JobPriority defaultPriority = JobPriority.Interactive)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body.ValueKind != JsonValueKind.Object)
            throw JobRejectedException.Invalid("body", "must be a JSON object with kind, model and parameters");
        // The hub and batch lines arrive here without passing the REST body check.
        if (JsonText.FindMalformed(body) is { } malformed) throw JobRejectedException.Invalid(malformed, JsonText.Problem);

        foreach (var property in body.EnumerateObject().Where(p => !Fields.Contains(p.Name, StringComparer.Ordinal)))
            errors[property.Name] = [$"unknown field; accepted: {string.Join(", ", Fields)}"];

        string? kind = Text(body, "kind", errors, required: true);
        if (kind is not null && kinds.Unknown(kind) is { } unknown) errors["kind"] = [unknown];

        string? model = Text(body, "model", errors, required: true);
        if (model is not null && !IsModelId(model))
            errors["model"] = ["must be 1..100 characters of a-z, 0-9, '.', '_' or '-'"];

        JsonElement parameters = default;
        if (!body.TryGetProperty("parameters", out parameters)) errors["parameters"] = ["is required"];
        else if (parameters.ValueKind != JsonValueKind.Object) errors["parameters"] = ["must be a JSON object"];

        var priority = defaultPriority;
        if (Text(body, "priority", errors, required: false) is { } p)
        {
            if (p == "interactive") priority = JobPriority.Interactive;
            else if (p == "batch") priority = JobPriority.Batch;
            else errors["priority"] = ["must be interactive or batch"];
        }

        if (errors.Count > 0) throw JobRejectedException.Invalid(errors);
        return new JobSubmission(kind!, model!, parameters.Clone(), priority);
    }

    public static bool IsModelId(string id) =>
        id.Length is >= 1 and <= 100 && id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-');

    static string? Text(JsonElement body, string name, Dictionary<string, string[]> errors, bool required)
    {
        if (!body.TryGetProperty(name, out var value))
        {
            if (required) errors[name] = ["is required"];
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = ["must be a string"];
            return null;
        }
        return value.GetString();
    }
}
