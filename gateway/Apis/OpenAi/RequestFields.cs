using System.Text.Json;

namespace Media.Gateway.Apis.OpenAi;

/// <summary>
/// Reads the fields of an OpenAI-style JSON request body by hand, so a wrong field gets OpenAI's answer:
/// the field's name as <c>param</c> and a message saying what it must be. The first problem wins.
/// </summary>
internal sealed class RequestFields(JsonElement body)
{
    readonly HashSet<string> read = new(StringComparer.Ordinal);

    /// <summary>The first problem found: the field and the message, or null.</summary>
    public (string Param, string Message)? Problem { get; private set; }

    public bool IsObject => body.ValueKind == JsonValueKind.Object;

    public bool Has(string name) => IsObject && body.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public string? String(string name, bool required = false, int maxLength = int.MaxValue)
    {
        if (Get(name, required) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String) { Fail(name, $"'{name}' must be a string"); return null; }
        string s = v.GetString()!;
        if (required && s.Length == 0) { Fail(name, $"'{name}' must not be empty"); return null; }
        if (s.Length > maxLength) { Fail(name, $"'{name}' is {s.Length} characters; at most {maxLength} are accepted"); return null; }
        return s;
    }

    /// <summary>A string that must be one of <paramref name="allowed"/>.</summary>
    public string? Choice(string name, params string[] allowed)
    {
        string? s = String(name);
        if (s is null || allowed.Contains(s, StringComparer.Ordinal)) return s;
        { Fail(name, $"'{name}' must be one of {string.Join(", ", allowed.Select(a => $"'{a}'"))}; got '{s}'"); return null; }
    }

    public long? Integer(string name, long min, long max)
    {
        if (Get(name, false) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n)) { Fail(name, $"'{name}' must be a whole number"); return null; }
        if (n < min || n > max) { Fail(name, $"'{name}' must be within {min}..{max}; got {n}"); return null; }
        return n;
    }

    public double? Number(string name, double min, double max)
    {
        if (Get(name, false) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number) { Fail(name, $"'{name}' must be a number"); return null; }
        double x = v.GetDouble();
        if (x < min || x > max) { Fail(name, $"'{name}' must be within {min}..{max}; got {x}"); return null; }
        return x;
    }

    public bool? Boolean(string name)
    {
        if (Get(name, false) is not { } v) return null;
        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) { Fail(name, $"'{name}' must be true or false"); return null; }
        return v.GetBoolean();
    }

    /// <summary>Marks a field as known without reading it (accepted and ignored).</summary>
    public void Accept(params string[] names)
    {
        foreach (string name in names) read.Add(name);
    }

    /// <summary>After every field was read: a field nobody asked for is refused, as OpenAI does.</summary>
    public void RefuseUnknown()
    {
        if (Problem is not null || !IsObject) return;
        foreach (var property in body.EnumerateObject())
        {
            if (!read.Contains(property.Name))
            {
                Problem = (property.Name, $"Unrecognized request argument supplied: {property.Name}");
                return;
            }
        }
    }

    /// <summary>Records a problem found by the caller (the first one wins).</summary>
    public void Fail(string param, string message) => Problem ??= (param, message);

    JsonElement? Get(string name, bool required)
    {
        read.Add(name);
        if (!IsObject) return null;
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required) Fail(name, $"Missing required parameter: '{name}'");
            return null;
        }
        return v;
    }
}
