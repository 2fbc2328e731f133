using System.Text.Json;
using Media.Modeling.Sampling;

namespace Media.Services.Image.Generation;

/// <summary>
/// One text-to-image request: the prompt, an optional negative prompt (the unconditional side of classifier-free
/// guidance; the null caption when absent), the guidance scale reached by Token-Shuffle's half-linear schedule,
/// sampling settings with their seed, and how often to send a preview (every N rows of windows; 0 = none).
/// </summary>
public sealed record ImageRequest(string Prompt)
{
    /// <summary>Default guidance scale.</summary>
    public const double DefaultGuidance = 3.0;

    /// <summary>What to steer away from; empty means the null caption.</summary>
    public string NegativePrompt { get; init; } = "";

    /// <summary>Classifier-free guidance scale (1 = none, no unconditional row).</summary>
    public double GuidanceScale { get; init; } = DefaultGuidance;

    /// <summary>Use the half-linear ramp (Token-Shuffle's default) rather than a constant scale.</summary>
    public bool HalfLinearGuidance { get; init; } = true;

    /// <summary>Temperature, top-k, top-p and the seed.</summary>
    public SamplingParameters Sampling { get; init; } = new() { Temperature = 1.0, TopK = 100 };

    /// <summary>Send a preview after every this many rows of windows; 0 sends none.</summary>
    public int PreviewEvery { get; init; } = 1;

    /// <summary>The guidance schedule this request samples with.</summary>
    public GuidanceSchedule Guidance => HalfLinearGuidance ? GuidanceSchedule.HalfLinear(GuidanceScale) : GuidanceSchedule.Constant(GuidanceScale);

    /// <summary>Reads a job's image parameters (already validated against the image schema by the gateway).</summary>
    public static ImageRequest FromJob(JsonElement parameters, int imageSize) => FromJob(parameters, imageSize, "token-shuffle", DefaultGuidance);

    /// <summary>Reads a job's image parameters for model <paramref name="model"/>, whose guidance scale defaults to <paramref name="defaultGuidance"/>.</summary>
    public static ImageRequest FromJob(JsonElement parameters, int imageSize, string model, double defaultGuidance)
    {
        string prompt = parameters.TryGetProperty("prompt", out var p) ? p.GetString() ?? "" : "";
        if (string.IsNullOrWhiteSpace(prompt)) throw new ArgumentException("The image job needs a prompt.");
        foreach (var side in new[] { "width", "height" })
            if (parameters.TryGetProperty(side, out var v) && v.GetInt32() != imageSize)
                throw new ArgumentException($"{model} draws {imageSize}x{imageSize} images; {side} {v.GetInt32()} is not supported.");
        var defaults = new ImageRequest(prompt);
        var sampling = defaults.Sampling with
        {
            Temperature = parameters.TryGetProperty("temperature", out var t) ? t.GetDouble() : defaults.Sampling.Temperature,
            TopK = parameters.TryGetProperty("top_k", out var k) ? k.GetInt32() : defaults.Sampling.TopK,
            TopP = parameters.TryGetProperty("top_p", out var tp) ? tp.GetDouble() : defaults.Sampling.TopP,
            Seed = parameters.TryGetProperty("seed", out var s) ? (ulong)s.GetDouble() : 0,
        };
        sampling.Validate();
        return defaults with
        {
            NegativePrompt = parameters.TryGetProperty("negative_prompt", out var n) ? n.GetString() ?? "" : "",
            GuidanceScale = parameters.TryGetProperty("guidance_scale", out var g) ? g.GetDouble() : defaultGuidance,
            PreviewEvery = parameters.TryGetProperty("preview_every", out var pe) ? pe.GetInt32() : 1,
            Sampling = sampling,
        };
    }
}
