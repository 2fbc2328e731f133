using System.Text.Json;
using Media.Services.Image.Mar;

namespace Media.Services.Image.Generation;

/// <summary>
/// Parameters of an image job for the `mar` model: prompt, seed, guidance_scale (MAR's linear CFG),
/// temperature, iterations (N AR iterations), preview (send a preview after every iteration, default
/// true), and DiSA's <c>diffusion_steps: {"schedule", "max", "min"}</c> (absent: MAR's fixed step count).
/// </summary>
public static class MarRequest
{
    /// <summary>Default guidance scale.</summary>
    public const double DefaultGuidance = 3.0;

    /// <summary>The sampling options and whether previews are wanted; throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public static (MarSamplingOptions Options, bool Previews) FromJob(JsonElement parameters, int imageSize, int sequenceLength)
    {
        string prompt = parameters.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : "";
        if (string.IsNullOrWhiteSpace(prompt)) throw new ArgumentException("The image job needs a prompt.");
        foreach (var side in new[] { "width", "height" })
            if (parameters.TryGetProperty(side, out var v) && (v.ValueKind != JsonValueKind.Number || v.GetInt32() != imageSize))
                throw new ArgumentException($"mar draws {imageSize}x{imageSize} images; {side} {v} is not supported.");
        try
        {
            var options = new MarSamplingOptions(prompt)
            {
                Seed = parameters.TryGetProperty("seed", out var s) ? (long)s.GetDouble() : 0,
                Cfg = parameters.TryGetProperty("guidance_scale", out var g) ? g.GetDouble() : DefaultGuidance,
                Temperature = parameters.TryGetProperty("temperature", out var t) ? t.GetDouble() : 1.0,
                Iterations = parameters.TryGetProperty("iterations", out var n) ? n.GetInt32() : 16,
                DiffusionSteps = parameters.TryGetProperty("diffusion_steps", out var d) && d.ValueKind != JsonValueKind.Null ? Schedule(d) : null,
            };
            options.Validate(sequenceLength);
            bool previews = !parameters.TryGetProperty("preview", out var pv) || pv.ValueKind != JsonValueKind.False;
            return (options, previews);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"Invalid mar parameter: {e.Message}", e);
        }
    }

    static DiffusionStepsSchedule Schedule(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new ArgumentException("diffusion_steps must be an object such as {\"schedule\": \"linear\", \"max\": 50, \"min\": 5}.");
        var kind = element.TryGetProperty("schedule", out var s) && s.ValueKind == JsonValueKind.String
            ? DiffusionStepsSchedule.ParseKind(s.GetString()!) : DisaScheduleKind.Linear;
        int max = element.TryGetProperty("max", out var u) ? u.GetInt32() : DiffusionStepsSchedule.Default.Max;
        int min = element.TryGetProperty("min", out var l) ? l.GetInt32() : DiffusionStepsSchedule.Default.Min;
        var schedule = new DiffusionStepsSchedule(kind, max, min);
        schedule.Validate();
        return schedule;
    }
}
