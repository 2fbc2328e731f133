using System.Text.Json;
using Media.Hosting.Jobs;

namespace Media.Hosting.Tests.Jobs;

public sealed class ParameterSchemasTests
{
    static Dictionary<string, string[]> Check(string kind, string json) => ParameterSchemas.Validate(kind, JsonDocument.Parse(json).RootElement);

    [Fact]
    public void A_valid_image_request_has_no_errors()
    {
        Assert.Empty(Check("image", """{"prompt":"a red fox","width":256,"height":512,"steps":30,"guidance_scale":7.5,"top_p":0.9,"seed":42}"""));
    }

    [Theory]
    [InlineData("""{"width":256}""", "parameters.prompt", "is required")]
    [InlineData("""{"prompt":"   "}""", "parameters.prompt", "must not be blank")]
    [InlineData("""{"prompt":"x","width":100}""", "parameters.width", "multiple of 16")]
    [InlineData("""{"prompt":"x","width":2048}""", "parameters.width", "within 64..1024")]
    [InlineData("""{"prompt":"x","steps":1.5}""", "parameters.steps", "whole number")]
    [InlineData("""{"prompt":"x","top_p":1.01}""", "parameters.top_p", "within 0..1")]
    [InlineData("""{"prompt":"x","seed":-1}""", "parameters.seed", "within 0")]
    [InlineData("""{"prompt":"x","sampler":"ddim"}""", "parameters.sampler", "unknown parameter")]
    [InlineData("""{"prompt":7}""", "parameters.prompt", "must be a string")]
    public void Each_bad_image_field_is_named_with_its_rule(string json, string field, string message)
    {
        var errors = Check("image", json);
        Assert.Contains(message, Assert.Single(errors[field]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_prompt_one_character_too_long_is_refused()
    {
        Assert.Empty(Check("image", JsonSerializer.Serialize(new { prompt = new string('a', 2000) })));
        Assert.Contains("parameters.prompt", Check("image", JsonSerializer.Serialize(new { prompt = new string('a', 2001) })).Keys);
    }

    [Fact]
    public void Codec_codes_must_be_a_rectangular_matrix_in_range()
    {
        Assert.Empty(Check("audio-decode", """{"codes":[[1,2,3],[4,5,6]]}"""));
        Assert.Contains("parameters.codes", Check("audio-decode", """{"codes":[[1,2,3],[4,5]]}""").Keys);
        Assert.Contains("parameters.codes", Check("audio-decode", """{"codes":[[1,70000]]}""").Keys);
        Assert.Contains("parameters.codes", Check("audio-decode", """{"codes":[]}""").Keys);
        Assert.Contains("parameters.audio", Check("audio-encode", """{"audio":"not base64!"}""").Keys);
    }

    [Fact]
    public void A_speech_prompt_clip_and_its_transcript_come_together()
    {
        Assert.Empty(Check("speech", """{"text":"hi","prompt_audio":"UklGRg==","prompt_text":"what it says"}"""));
        Assert.Equal("is required with prompt_audio", Assert.Single(Assert.Single(Check("speech", """{"text":"hi","prompt_audio":"UklGRg=="}""")).Value));
        Assert.Equal("is required with prompt_text", Assert.Single(Check("speech", """{"text":"hi","prompt_text":"words"}""")["parameters.prompt_audio"]));
        Assert.Contains("base64", Assert.Single(Check("speech", """{"text":"hi","prompt_audio":"not base64!","prompt_text":"w"}""")["parameters.prompt_audio"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_envelope_names_unknown_and_missing_fields()
    {
        var body = JsonDocument.Parse("""{"kind":"painting","model":"Bad Id","parameters":[],"priority":"urgent","extra":1}""").RootElement;
        var error = Assert.Throws<JobRejectedException>(() => JobRequestParser.Parse(body));
        Assert.Equal(JobRejection.Invalid, error.Rejection);
        Assert.Equal(["extra", "kind", "model", "parameters", "priority"], error.Errors.Keys.Order(StringComparer.Ordinal));
    }
}
