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
    public void Diffusion_steps_is_an_object_whose_members_are_checked()
    {
        Assert.Empty(Check("image", """{"prompt":"x","iterations":16,"diffusion_steps":{"schedule":"two-stage","max":50,"min":5}}"""));
        Assert.Empty(Check("image", """{"prompt":"x","diffusion_steps":{}}"""));
        Assert.Contains("must be an object", Assert.Single(Check("image", """{"prompt":"x","diffusion_steps":"linear"}""")["parameters.diffusion_steps"]), StringComparison.Ordinal);
        Assert.Contains("schedule must be one of", Assert.Single(Check("image", """{"prompt":"x","diffusion_steps":{"schedule":"quadratic"}}""")["parameters.diffusion_steps"]), StringComparison.Ordinal);
        Assert.Contains("max must be within", Assert.Single(Check("image", """{"prompt":"x","diffusion_steps":{"max":5000}}""")["parameters.diffusion_steps"]), StringComparison.Ordinal);
        Assert.Contains("unknown member steps", Assert.Single(Check("image", """{"prompt":"x","diffusion_steps":{"steps":5}}""")["parameters.diffusion_steps"]), StringComparison.Ordinal);
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
    public void A_speech_request_with_every_sampling_field_has_no_errors()
    {
        Assert.Empty(Check("speech", """{"text":"hi","voice":"alloy","duration":2.5,"steps":64,"solver":"adams2","block_size":4,"seed":9007199254740991}"""));
        Assert.Empty(Check("speech", """{"text":"hi","pace":0.25,"steps":1,"solver":"euler","block_size":1}"""));
        Assert.Empty(Check("speech", """{"text":"hi","speed":4}"""));
        Assert.Empty(Check("speech", """{"text":"hi","duration":300}"""));
    }

    [Theory]
    [InlineData("""{"text":"hi","duration":0}""", "parameters.duration", "must be greater than 0 and at most 300")]
    [InlineData("""{"text":"hi","duration":-1}""", "parameters.duration", "must be greater than 0")]
    [InlineData("""{"text":"hi","duration":300.5}""", "parameters.duration", "at most 300")]
    [InlineData("""{"text":"hi","duration":"2s"}""", "parameters.duration", "must be a number")]
    [InlineData("""{"text":"hi","pace":0.2}""", "parameters.pace", "within 0.25..4")]
    [InlineData("""{"text":"hi","pace":4.01}""", "parameters.pace", "within 0.25..4")]
    [InlineData("""{"text":"hi","speed":0.24}""", "parameters.speed", "within 0.25..4")]
    [InlineData("""{"text":"hi","steps":0}""", "parameters.steps", "within 1..64")]
    [InlineData("""{"text":"hi","steps":65}""", "parameters.steps", "within 1..64")]
    [InlineData("""{"text":"hi","steps":2.5}""", "parameters.steps", "whole number")]
    [InlineData("""{"text":"hi","solver":"rk4"}""", "parameters.solver", "must be one of euler, adams2")]
    [InlineData("""{"text":"hi","solver":"Euler"}""", "parameters.solver", "must be one of euler, adams2")]
    [InlineData("""{"text":"hi","solver":2}""", "parameters.solver", "must be one of euler, adams2")]
    [InlineData("""{"text":"hi","block_size":0}""", "parameters.block_size", "within 1..64")]
    [InlineData("""{"text":"hi","block_size":1.5}""", "parameters.block_size", "whole number")]
    [InlineData("""{"text":"hi","seed":-1}""", "parameters.seed", "within 0")]
    [InlineData("""{"text":"hi","guidance_scale":3}""", "parameters.guidance_scale", "unknown parameter")]
    public void Each_bad_speech_field_is_named_with_its_rule(string json, string field, string message)
    {
        var errors = Check("speech", json);
        Assert.Equal([field], errors.Keys);
        Assert.Contains(message, Assert.Single(errors[field]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pace", "speed", "speaking rate")]
    [InlineData("duration", "pace", "length")]
    [InlineData("duration", "speed", "length")]
    public void Two_fields_that_set_the_same_thing_are_both_named(string a, string b, string what)
    {
        var errors = Check("speech", $$"""{"text":"hi","{{a}}":2,"{{b}}":1}""");
        Assert.Equal(new[] { "parameters." + a, "parameters." + b }.Order(StringComparer.Ordinal), errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal($"cannot be given with {b}", Assert.Single(errors["parameters." + a]).Split(':')[0]);
        Assert.Equal($"cannot be given with {a}", Assert.Single(errors["parameters." + b]).Split(':')[0]);
        Assert.Contains(what, errors["parameters." + a][0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_out_of_range_and_in_conflict_gets_both_errors()
    {
        var errors = Check("speech", """{"text":"hi","pace":9,"speed":1,"duration":1}""");
        var pace = errors["parameters.pace"];
        Assert.Equal(3, pace.Length);
        Assert.Equal("must be within 0.25..4", pace[0]);
        Assert.StartsWith("cannot be given with speed:", pace[1], StringComparison.Ordinal);
        Assert.StartsWith("cannot be given with duration:", pace[2], StringComparison.Ordinal);
        Assert.Equal(2, errors["parameters.speed"].Length);
        Assert.Equal(2, errors["parameters.duration"].Length);
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
