using System.Text.Json;
using Media.Services.Song.Generation;

namespace Media.Services.Song.Tests;

public sealed class SongJobKindTests
{
    static Dictionary<string, string[]> Validate(string json) => SongJobKind.Definition.Validate(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void A_full_request_is_accepted()
    {
        var errors = Validate("""
            {"lyrics": "[verse]\nwe walk into the night\n[chorus]\nwe sing about the light", "description": "synth-pop, happy, 120 bpm, in C major",
             "duration_seconds": 20, "mode": "interleaving-a-v", "seed": 4, "temperature": 0.9, "top_k": 50, "guidance_scale": 1.5}
            """);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("""{"lyrics": "[outro]\nbye"}""", "parameters.lyrics", "unknown tag")]
    [InlineData("""{"lyrics": "[verse]\n[chorus]"}""", "parameters.lyrics", "no line to sing")]
    [InlineData("""{"lyrics": ""}""", "parameters.lyrics", "must not be blank")]
    [InlineData("""{"lyrics": "la", "description": "   "}""", "parameters.description", "must not be blank")]
    [InlineData("""{"lyrics": "la", "mode": "duet"}""", "parameters.mode", "must be one of mixed, mixed-pro")]
    [InlineData("""{"lyrics": "la", "duration_seconds": 31}""", "parameters.duration_seconds", "1..30")]
    public void Bad_fields_are_named_with_the_reason(string json, string field, string reason)
    {
        var errors = Validate(json);
        Assert.True(errors.ContainsKey(field), $"errors: {string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(",", e.Value)))}");
        Assert.Contains(reason, errors[field][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Too_long_lyrics_name_the_field()
    {
        string lyrics = string.Join("\\n", Enumerable.Repeat("we sing along the road", 70));
        Assert.Contains("more than 64 sung lines", Validate($$"""{"lyrics": "{{lyrics}}"}""")["parameters.lyrics"][0], StringComparison.Ordinal);
        string huge = new('a', 8001);
        Assert.Contains("characters long", Validate($$"""{"lyrics": "{{huge}}"}""")["parameters.lyrics"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_lists_every_mode()
    {
        var schema = SongJobKind.Definition.ToJsonSchema();
        var modes = schema["properties"]!["mode"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.Equal(["mixed", "mixed-pro", "parallel", "parallel-a-v", "parallel-v-a", "interleaving-a-v", "interleaving-v-a"], modes);
    }

    [Fact]
    public void Sampling_left_out_takes_the_models_defaults_and_a_request_overrides_them()
    {
        var bare = JsonDocument.Parse("""{"lyrics": "[verse]\nwe sing"}""").RootElement;
        var levo = SongSpec.Parse(bare, SongSamplingDefaults.LeVo);
        Assert.Equal((0.9, 50, 1.5), (levo.Sampling.Temperature, levo.Sampling.TopK, levo.GuidanceScale));
        var songgen = SongSpec.Parse(bare);
        Assert.Equal((1.0, 250, 3.0), (songgen.Sampling.Temperature, songgen.Sampling.TopK, songgen.GuidanceScale));
        var asked = SongSpec.Parse(JsonDocument.Parse("""{"lyrics": "[verse]\nwe sing", "temperature": 0.5, "top_k": 7, "guidance_scale": 2}""").RootElement,
            SongSamplingDefaults.LeVo);
        Assert.Equal((0.5, 7, 2.0), (asked.Sampling.Temperature, asked.Sampling.TopK, asked.GuidanceScale));
    }
}
