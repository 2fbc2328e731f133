using System.Text.Json;

namespace Media.Hosting.Jobs;

/// <summary>The JSON type a parameter must have.</summary>
public enum FieldType
{
    /// <summary>A string; Min/Max bound its length in characters.</summary>
    Text,
    /// <summary>A whole number within Min..Max (and a multiple of MultipleOf when set).</summary>
    WholeNumber,
    /// <summary>A finite number within Min..Max (above Min, not at it, when ExclusiveMin is set).</summary>
    Number,
    /// <summary>A base64 string; Max bounds the decoded bytes.</summary>
    Base64,
    /// <summary>A non-empty array of equally long non-empty arrays of whole numbers within Min..Max.</summary>
    WholeNumberMatrix,
    /// <summary>One of the strings in Choices.</summary>
    Choice,
    /// <summary>A JSON object whose members follow Fields (unknown members refused, required ones checked).</summary>
    Group,
}

/// <summary>
/// One parameter of a job kind and the values it accepts; <paramref name="With"/> names a field it is only valid together with,
/// <paramref name="Without"/> the fields it cannot be given with (they set the same thing another way).
/// </summary>
public sealed record FieldRule(string Name, FieldType Type, bool Required, double Min, double Max, string Description, int MultipleOf = 0, string? With = null,
    IReadOnlyList<string>? Choices = null, IReadOnlyList<string>? Without = null, bool ExclusiveMin = false, IReadOnlyList<FieldRule>? Fields = null);

/// <summary>
/// The parameters each job kind accepts. Unknown fields are refused, so a misspelt name is a 400,
/// not a silently ignored setting. A job without a seed gets one at submission, so every artifact
/// records the seed that reproduces it.
/// </summary>
public static class ParameterSchemas
{
    /// <summary>Largest seed: 2^53 - 1, exact in a JavaScript number.</summary>
    public const double MaxSeed = 9_007_199_254_740_991;

    /// <summary>Longest speech any speech model is asked for, in seconds; each model's own limit is checked at submission.</summary>
    public const double MaxSpeechSeconds = 300;

    static FieldRule Seed => new("seed", FieldType.WholeNumber, false, 0, MaxSeed, "random seed; chosen and recorded when absent");

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<FieldRule>> ByKind = new Dictionary<string, IReadOnlyList<FieldRule>>(StringComparer.Ordinal)
    {
        [JobKinds.Image] =
        [
            new("prompt", FieldType.Text, true, 1, 2000, "what to draw"),
            new("negative_prompt", FieldType.Text, false, 0, 2000, "what to avoid (classifier-free guidance)"),
            new("width", FieldType.WholeNumber, false, 64, 1024, "pixels, a multiple of 16", MultipleOf: 16),
            new("height", FieldType.WholeNumber, false, 64, 1024, "pixels, a multiple of 16", MultipleOf: 16),
            new("steps", FieldType.WholeNumber, false, 1, 1000, "sampling steps (diffusion-style models)"),
            new("guidance_scale", FieldType.Number, false, 0, 50, "classifier-free guidance scale"),
            new("temperature", FieldType.Number, false, 0, 10, "sampling temperature (0: greedy)"),
            new("top_k", FieldType.WholeNumber, false, 0, 1_000_000, "keep the k most likely tokens (0: all)"),
            new("top_p", FieldType.Number, false, 0, 1, "nucleus sampling mass"),
            new("preview_every", FieldType.WholeNumber, false, 0, 1000, "send a preview every N steps (0: none)"),
            new("iterations", FieldType.WholeNumber, false, 1, 1024, "autoregressive iterations (MAR-style models)"),
            new("diffusion_steps", FieldType.Group, false, 0, 0, "per-token diffusion head steps over the iterations (DiSA): {schedule, max, min}", Fields:
            [
                new("schedule", FieldType.Choice, false, 0, 0, "how the step count falls from max to min", Choices: ["constant", "linear", "cosine", "two-stage"]),
                new("max", FieldType.WholeNumber, false, 1, 951, "steps at the first iteration"),
                new("min", FieldType.WholeNumber, false, 1, 951, "steps at the last iteration"),
            ]),
            Seed,
        ],
        [JobKinds.Speech] =
        [
            new("text", FieldType.Text, true, 1, 4000, "what to say"),
            new("voice", FieldType.Text, false, 1, 64, "speaker name (OpenAI's field; a model with one voice ignores it)"),
            // Three ways to set the length, so at most one: a fixed duration, or the predicted one scaled by pace = 1 / speed.
            new("duration", FieldType.Number, false, 0, MaxSpeechSeconds, "length of the speech in seconds (at most the model's longest)",
                ExclusiveMin: true, Without: ["pace", "speed"]),
            new("pace", FieldType.Number, false, 0.25, 4, "multiplies the predicted duration, 1 = natural, 2 = twice as slow", Without: ["speed", "duration"]),
            new("speed", FieldType.Number, false, 0.25, 4, "speaking rate (OpenAI's field), 1 = natural; speed = 1 / pace", Without: ["pace", "duration"]),
            new("steps", FieldType.WholeNumber, false, 1, 64, "flow ODE steps per block"),
            new("solver", FieldType.Choice, false, 0, 0, "flow ODE solver", Choices: ["euler", "adams2"]),
            new("block_size", FieldType.WholeNumber, false, 1, 64, "latent frames per autoregressive step (one the model was trained with)"),
            new("prompt_audio", FieldType.Base64, false, 1, 8 << 20, "zero-shot prompt: a WAV clip to continue in its voice, base64", With: "prompt_text"),
            new("prompt_text", FieldType.Text, false, 1, 4000, "what the prompt clip says", With: "prompt_audio"),
            Seed,
        ],
        [JobKinds.Song] =
        [
            new("lyrics", FieldType.Text, true, 1, 8000, "lyrics, one line per sung line"),
            new("description", FieldType.Text, false, 0, 1000, "style, genre, instruments, mood"),
            new("duration_seconds", FieldType.Number, false, 1, 300, "length of the song"),
            new("temperature", FieldType.Number, false, 0, 10, "sampling temperature"),
            new("top_k", FieldType.WholeNumber, false, 0, 1_000_000, "keep the k most likely tokens (0: all)"),
            new("guidance_scale", FieldType.Number, false, 0, 50, "classifier-free guidance scale"),
            Seed,
        ],
        [JobKinds.AudioEncode] =
        [
            new("audio", FieldType.Base64, true, 1, 8 << 20, "a WAV file, base64"),
            new("bandwidth_kbps", FieldType.Number, false, 0.5, 48, "target bitrate (number of codebooks used)"),
        ],
        [JobKinds.AudioDecode] =
        [
            new("codes", FieldType.WholeNumberMatrix, true, 0, 65535, "codec tokens, one row per codebook"),
        ],
    };

    /// <summary>Checks <paramref name="parameters"/> against the kind's rules; errors are keyed "parameters.name".</summary>
    public static Dictionary<string, string[]> Validate(string kind, JsonElement parameters)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!ByKind.TryGetValue(kind, out var rules))
        {
            errors["kind"] = [$"must be one of {string.Join(", ", JobKinds.All)}"];
            return errors;
        }
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            errors["parameters"] = ["must be a JSON object"];
            return errors;
        }
        var known = rules.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in parameters.EnumerateObject())
        {
            string key = "parameters." + property.Name;
            if (!seen.Add(property.Name)) errors[key] = ["appears twice"];
            else if (!known.TryGetValue(property.Name, out var rule)) errors[key] = [$"unknown parameter for {kind}; accepted: {string.Join(", ", rules.Select(r => r.Name))}"];
            else if (Check(rule, property.Value) is { } error) errors[key] = [error];
        }
        foreach (var rule in rules.Where(r => r.Without is not null && seen.Contains(r.Name)))
            foreach (string other in rule.Without!.Where(seen.Contains))
                Add(errors, "parameters." + rule.Name, $"cannot be given with {other}: both set {Shared(rule.Name, other)}; give one");
        foreach (var rule in rules.Where(r => r.Required && !seen.Contains(r.Name)))
            errors["parameters." + rule.Name] = ["is required"];
        foreach (var rule in rules.Where(r => r.With is not null && seen.Contains(r.Name) && !seen.Contains(r.With)))
            errors.TryAdd("parameters." + rule.With, [$"is required with {rule.Name}"]);
        return errors;
    }

    static void Add(Dictionary<string, string[]> errors, string key, string error) =>
        errors[key] = errors.TryGetValue(key, out var earlier) ? [.. earlier, error] : [error];

    /// <summary>What two exclusive fields both set, for the error message.</summary>
    static string Shared(string a, string b) => (a, b) switch
    {
        ("pace", "speed") or ("speed", "pace") => "the speaking rate (speed = 1 / pace)",
        _ => "the length of the result",
    };

    static string? Check(FieldRule rule, JsonElement value)
    {
        switch (rule.Type)
        {
            case FieldType.Text:
                if (value.ValueKind != JsonValueKind.String) return "must be a string";
                string text = value.GetString()!;
                if (rule.Required && string.IsNullOrWhiteSpace(text)) return "must not be blank";
                if (text.Length < rule.Min || text.Length > rule.Max) return $"must be {rule.Min}..{rule.Max} characters long";
                return null;
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
                return CheckObject(rule, value);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule.Type, "Unknown field type.");
        }
    }

    static string? CheckObject(FieldRule rule, JsonElement value)
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
        int width = -1;
        foreach (var row in value.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() == 0) return shape;
            if (width >= 0 && row.GetArrayLength() != width) return shape;
            width = row.GetArrayLength();
            foreach (var cell in row.EnumerateArray())
            {
                if (cell.ValueKind != JsonValueKind.Number || !cell.TryGetInt64(out long v)) return shape;
                if (v < rule.Min || v > rule.Max) return $"values must be within {rule.Min}..{rule.Max}";
            }
        }
        return null;
    }
}
