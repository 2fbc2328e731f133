using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Media.Hosting.Jobs;

/// <summary>
/// A kind of work a job can ask for (image, speech, ...), declared by the service that runs it with its parameters.
/// Unknown fields are refused, so a misspelt name is a 400, not a silently ignored setting. A kind with a
/// <c>seed</c> gets one at submission when the request has none, so every artifact records the seed that reproduces it.
/// </summary>
public sealed record JobKind(string Name, string Description, IReadOnlyList<FieldRule> Fields)
{
    /// <summary>Largest seed: 2^53 - 1, exact in a JavaScript number.</summary>
    public const double MaxSeed = 9_007_199_254_740_991;

    /// <summary>The <c>seed</c> parameter every sampling kind shares.</summary>
    public static FieldRule Seed { get; } = new("seed", FieldType.WholeNumber, false, 0, MaxSeed, "random seed; chosen and recorded when absent");

    /// <summary>Whether jobs of this kind take a seed (and get one when they have none).</summary>
    public bool TakesSeed => Fields.Any(f => f.Name == "seed");

    /// <summary>Checks <paramref name="parameters"/> against the fields; errors are keyed "parameters.name".</summary>
    public Dictionary<string, string[]> Validate(JsonElement parameters)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            errors["parameters"] = ["must be a JSON object"];
            return errors;
        }
        var known = Fields.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in parameters.EnumerateObject())
        {
            string key = "parameters." + property.Name;
            if (!seen.Add(property.Name)) errors[key] = ["appears twice"];
            else if (!known.TryGetValue(property.Name, out var rule)) errors[key] = [$"unknown parameter for {Name}; accepted: {string.Join(", ", Fields.Select(r => r.Name))}"];
            else if (Check(rule, property.Value) is { } error) errors[key] = [error];
        }
        foreach (var rule in Fields.Where(r => r.Without is not null && seen.Contains(r.Name)))
            foreach (var (other, what) in rule.Without!.Where(w => seen.Contains(w.Key)))
                Add(errors, "parameters." + rule.Name, $"cannot be given with {other}: both set {what}; give one");
        foreach (var rule in Fields.Where(r => r.Required && !seen.Contains(r.Name)))
            errors["parameters." + rule.Name] = ["is required"];
        foreach (var rule in Fields.Where(r => r.With is not null && seen.Contains(r.Name) && !seen.Contains(r.With)))
            errors.TryAdd("parameters." + rule.With, [$"is required with {rule.Name}"]);
        return errors;
    }

    /// <summary>
    /// The parameters as a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1): types, ranges, lengths, choices,
    /// required fields, fields that need another (<c>dependentRequired</c>) and fields that exclude each other.
    /// </summary>
    public JsonObject ToJsonSchema()
    {
        var properties = new JsonObject();
        foreach (var rule in Fields) properties[rule.Name] = FieldSchema(rule);
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["description"] = Description,
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        var required = Fields.Where(f => f.Required).Select(f => (JsonNode)f.Name).ToArray();
        if (required.Length > 0) schema["required"] = new JsonArray(required);
        var dependent = new JsonObject();
        foreach (var rule in Fields.Where(f => f.With is not null)) dependent[rule.Name] = new JsonArray(rule.With!);
        if (dependent.Count > 0) schema["dependentRequired"] = dependent;
        var exclusions = Fields.Where(f => f.Without is not null)
            .SelectMany(f => f.Without!.Keys.Where(o => string.CompareOrdinal(f.Name, o) < 0).Select(o => (JsonNode)new JsonObject
            {
                ["not"] = new JsonObject { ["required"] = new JsonArray(f.Name, o) },
            })).ToArray();
        if (exclusions.Length > 0) schema["allOf"] = new JsonArray(exclusions);
        return schema;
    }

    static JsonObject FieldSchema(FieldRule rule)
    {
        var field = new JsonObject { ["description"] = rule.Description };
        switch (rule.Type)
        {
            case FieldType.Text:
                field["type"] = "string";
                field["minLength"] = (long)rule.Min;
                field["maxLength"] = (long)rule.Max;
                break;
            case FieldType.WholeNumber:
                field["type"] = "integer";
                field["minimum"] = (long)rule.Min;
                field["maximum"] = (long)rule.Max;
                if (rule.MultipleOf > 0) field["multipleOf"] = rule.MultipleOf;
                break;
            case FieldType.Number:
                field["type"] = "number";
                field[rule.ExclusiveMin ? "exclusiveMinimum" : "minimum"] = rule.Min;
                field["maximum"] = rule.Max;
                break;
            case FieldType.Choice:
                field["type"] = "string";
                field["enum"] = new JsonArray([.. (rule.Choices ?? []).Select(c => (JsonNode)c)]);
                break;
            case FieldType.Base64:
                field["type"] = "string";
                field["contentEncoding"] = "base64";
                field["description"] = rule.Description + string.Create(CultureInfo.InvariantCulture, $" (at most {rule.Max:0} bytes decoded)");
                break;
            case FieldType.WholeNumberMatrix:
                var row = new JsonObject
                {
                    ["type"] = "array", ["minItems"] = 1,
                    ["items"] = new JsonObject { ["type"] = "integer", ["minimum"] = (long)rule.Min, ["maximum"] = (long)rule.Max },
                };
                if (rule.MaxColumns > 0) row["maxItems"] = rule.MaxColumns;
                field["type"] = "array";
                field["minItems"] = 1;
                if (rule.MaxRows > 0) field["maxItems"] = rule.MaxRows;
                field["items"] = row;
                break;
            case FieldType.Group:
                var members = new JsonObject();
                foreach (var member in rule.Fields ?? []) members[member.Name] = FieldSchema(member);
                field["type"] = "object";
                field["properties"] = members;
                field["additionalProperties"] = false;
                var needed = (rule.Fields ?? []).Where(f => f.Required).Select(f => (JsonNode)f.Name).ToArray();
                if (needed.Length > 0) field["required"] = new JsonArray(needed);
                break;
        }
        return field;
    }

    static void Add(Dictionary<string, string[]> errors, string key, string error) =>
        errors[key] = errors.TryGetValue(key, out var earlier) ? [.. earlier, error] : [error];

    static string? Check(FieldRule rule, JsonElement value)
    {
        switch (rule.Type)
        {
            case FieldType.Text:
                if (value.ValueKind != JsonValueKind.String) return "must be a string";
                string text = value.GetString()!;
                if (rule.Required && string.IsNullOrWhiteSpace(text)) return "must not be blank";
                if (text.Length < rule.Min || text.Length > rule.Max) return $"must be {rule.Min}..{rule.Max} characters long";
                return rule.TextCheck?.Invoke(text);
            case FieldType.WholeNumber:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long whole)) return "must be a whole number";
                if (whole < rule.Min || whole > rule.Max) return $"must be within {rule.Min}..{rule.Max}";
                if (rule.MultipleOf > 0 && whole % rule.MultipleOf != 0) return $"must be a multiple of {rule.MultipleOf}";
                return null;
            case FieldType.Number:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number)) return "must be a number";
                if (rule.ExclusiveMin && (number <= rule.Min || number > rule.Max)) return $"must be greater than {rule.Min} and at most {rule.Max}";
                if (number < rule.Min || number > rule.Max) return $"must be within {rule.Min}..{rule.Max}";
                return null;
            case FieldType.Choice:
                var choices = rule.Choices ?? [];
                return value.ValueKind == JsonValueKind.String && choices.Contains(value.GetString()!, StringComparer.Ordinal)
                    ? null : $"must be one of {string.Join(", ", choices)}";
            case FieldType.Base64:
                if (value.ValueKind != JsonValueKind.String || !value.TryGetBytesFromBase64(out byte[]? bytes)) return "must be a base64 string";
                if (bytes.Length < rule.Min || bytes.Length > rule.Max) return $"must decode to {rule.Min}..{rule.Max} bytes";
                return null;
            case FieldType.WholeNumberMatrix:
                return CheckMatrix(rule, value);
            case FieldType.Group:
                return CheckGroup(rule, value);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule.Type, "Unknown field type.");
        }
    }

    static string? CheckGroup(FieldRule rule, JsonElement value)
    {
        var fields = rule.Fields ?? [];
        if (value.ValueKind != JsonValueKind.Object) return $"must be an object with {string.Join(", ", fields.Select(f => f.Name))}";
        foreach (var member in value.EnumerateObject())
        {
            var field = fields.FirstOrDefault(f => f.Name == member.Name);
            if (field is null) return $"has an unknown member {member.Name}; accepted: {string.Join(", ", fields.Select(f => f.Name))}";
            if (Check(field, member.Value) is { } error) return $"{member.Name} {error}";
        }
        foreach (var field in fields.Where(f => f.Required && !value.TryGetProperty(f.Name, out _)))
            return $"needs {field.Name}";
        return null;
    }

    static string? CheckMatrix(FieldRule rule, JsonElement value)
    {
        const string shape = "must be a non-empty array of equally long non-empty arrays of whole numbers";
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0) return shape;
        if (rule.MaxRows > 0 && value.GetArrayLength() > rule.MaxRows) return $"must have at most {rule.MaxRows} rows";
        int width = -1;
        foreach (var row in value.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() == 0) return shape;
            if (width >= 0 && row.GetArrayLength() != width) return shape;
            width = row.GetArrayLength();
            // Checked before the values: the length is the cost of the job, and a huge row is refused without reading it.
            if (rule.MaxColumns > 0 && width > rule.MaxColumns) return $"rows must have at most {rule.MaxColumns} values";
            foreach (var cell in row.EnumerateArray())
            {
                if (cell.ValueKind != JsonValueKind.Number || !cell.TryGetInt64(out long v)) return shape;
                if (v < rule.Min || v > rule.Max) return $"values must be within {rule.Min}..{rule.Max}";
            }
        }
        return null;
    }
}
