using System.Text.Json;
using Media.Hosting.Models;
using Media.Services.Image.Data;
using Media.Services.Image.Generation;
using Media.Services.Image.MagicMix;

namespace Media.Services.Image.Tests.MagicMix;

/// <summary>The image job's mix parameter: the three layouts, the knobs, and the submission check naming the field.</summary>
public sealed class MagicMixRequestTests
{
    static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    static readonly string Png = Convert.ToBase64String(RgbImage.Filled(80, 48, 200, 30, 30).EncodePng());

    static ModelStatus NoCheckpoint() => new("magicmix", "image", ["image"], "", ModelState.Missing, null,
        Path.Combine(Path.GetTempPath(), "no-such-magicmix-" + Guid.NewGuid().ToString("N")));

    [Fact]
    public void A_mix_reads_an_uploaded_image_a_layout_prompt_or_an_artifact_with_its_knobs()
    {
        var image = MagicMixRequest.FromJob(Json($$$"""{"prompt": "a blue star", "seed": 7, "mix": {"image": "{{{Png}}}", "nu": 0.7, "k_min": 0.2, "k_max": 0.5, "nu_schedule": "linear", "content_weight": 2}}"""), 64);
        Assert.True(image.Mixes);
        Assert.Equal((80, 48), (image.LayoutImage!.Width, image.LayoutImage.Height));
        Assert.Equal(new MagicMixOptions { Nu = 0.7, KMin = 0.2, KMax = 0.5, NuSchedule = NuSchedule.Linear, ContentWeight = 2 }, image.Options);
        Assert.Equal(7UL, image.Seed);
        var text = MagicMixRequest.FromJob(Json("""{"prompt": "a blue star", "mix": {"layout_prompt": "a red square on the left"}}"""), 64);
        Assert.Equal("a red square on the left", text.LayoutPrompt);
        Assert.Equal(new MagicMixOptions(), text.Options);
        Assert.Equal("abc", MagicMixRequest.FromJob(Json("""{"prompt": "a blue star", "mix": {"artifact": "abc"}}"""), 64).LayoutArtifact);
        Assert.False(MagicMixRequest.FromJob(Json("""{"prompt": "a blue star"}"""), 64).Mixes);
    }

    [Theory]
    [InlineData("""{"prompt": "a blue star", "mix": {"nu": 0.5}}""", "mix")]
    [InlineData("""{"prompt": "a blue star", "mix": {"layout_prompt": "a red square", "artifact": "x"}}""", "mix")]
    [InlineData("""{"prompt": "a blue star", "mix": {"layout_prompt": "a red square", "k_min": 0.7, "k_max": 0.6}}""", "mix.k_min")]
    [InlineData("""{"prompt": "a blue star", "mix": {"image": "%%%"}}""", "mix.image")]
    [InlineData("""{"prompt": "a blue star", "mix": {"image": "R0lGODlhAQABAAAAACw="}}""", "mix.image")]
    public void A_bad_mix_is_refused_at_submission_naming_its_field(string parameters, string field)
    {
        var errors = MagicMixLimits.Check(NoCheckpoint(), Json(parameters));
        Assert.True(errors.ContainsKey("parameters." + field), string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        var thrown = Assert.Throws<ArgumentException>(() => MagicMixRequest.FromJob(Json(parameters), 64));
        Assert.Equal(field, thrown.ParamName);
    }

    [Fact]
    public void A_good_mix_passes_and_the_model_describes_itself_as_editing_images()
    {
        Assert.Empty(MagicMixLimits.Check(NoCheckpoint(), Json($$$"""{"prompt": "a blue star", "mix": {"image": "{{{Png}}}"}}""")));
        Assert.True(MagicMixLimits.Describe(NoCheckpoint())!["mix"]!.GetValue<bool>());
    }
}
