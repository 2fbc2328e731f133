using System.Text.Json;
using Media.Hosting.Jobs;
using Media.Services.Image;

namespace Media.Services.Image.Tests;

public sealed class ImageJobKindTests
{
    static Dictionary<string, string[]> Check(string kind, string json) => ImageJobKind.Definition.Validate(JsonDocument.Parse(json).RootElement);

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
        // The OpenAPI document shows the group's members.
        var schema = ImageJobKind.Definition.ToJsonSchema()["properties"]!["diffusion_steps"]!;
        Assert.Equal(["schedule", "max", "min"], schema["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void A_prompt_one_character_too_long_is_refused()
    {
        Assert.Empty(Check("image", JsonSerializer.Serialize(new { prompt = new string('a', 2000) })));
        Assert.Contains("parameters.prompt", Check("image", JsonSerializer.Serialize(new { prompt = new string('a', 2001) })).Keys);
    }
}
