using System.Text.Json;
using Media.Modeling.Sampling;
using Media.Services.Song.Lyrics;
using Media.Services.Song.Model;

namespace Media.Services.Song.Generation;

/// <summary>
/// What a <c>song</c> job asks for: the condition, the length, the mode, sampling (temperature, top-k, seed) and the
/// guidance scale. Defaults: a 10 s song; the sampling defaults are the model's (<see cref="SongSamplingDefaults"/>).
/// </summary>
public sealed record SongSpec(SongCondition Condition, double Seconds, SongMode? Mode, SamplingParameters Sampling, double GuidanceScale)
{
    /// <summary>The default length in seconds.</summary>
    public const double DefaultSeconds = 10;

    /// <summary>
    /// The spec of a job's parameters, checked against the song kind's schema (bad values throw <see cref="ArgumentException"/>
    /// naming the field); sampling fields left out take <paramref name="defaults"/> (SongGen's when null).
    /// </summary>
    public static SongSpec Parse(JsonElement parameters, SongSamplingDefaults? defaults = null)
    {
        defaults ??= SongSamplingDefaults.SongGen;
        var errors = SongJobKind.Definition.Validate(parameters);
        if (errors.Count > 0)
            throw new ArgumentException("Invalid song parameters: " + string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) + ".");
        JsonElement? Field(string name) => parameters.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
        var (sections, error) = LyricsText.Parse(Field("lyrics")!.Value.GetString()!);
        if (error is not null) throw new ArgumentException($"parameters.lyrics {error}");
        string description = Field("description")?.GetString() ?? "";
        var sampling = new SamplingParameters
        {
            Temperature = Field("temperature")?.GetDouble() ?? defaults.Temperature,
            TopK = Field("top_k")?.GetInt32() ?? defaults.TopK,
            Seed = (ulong)(Field("seed")?.GetInt64() ?? 0),
        };
        return new SongSpec(new SongCondition(description.Length == 0 ? " " : description, LyricsTokenizer.Encode(sections)),
            Field("duration_seconds")?.GetDouble() ?? DefaultSeconds,
            Field("mode")?.GetString() is { } mode ? SongModes.Parse(mode) : null, sampling, Field("guidance_scale")?.GetDouble() ?? defaults.GuidanceScale);
    }
}
