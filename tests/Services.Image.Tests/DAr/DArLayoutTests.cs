using System.Text.Json;
using Media.Hosting.Models;
using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;
using Media.Services.Image.Generation;

namespace Media.Services.Image.Tests.DAr;

/// <summary>The layout parameter and its submission check (a bad reference image is a 400 naming the field), and the preview-curve rule.</summary>
public sealed class DArLayoutTests
{
    static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Layout_reads_an_uploaded_image_or_an_artifact_id()
    {
        string png = Convert.ToBase64String(RgbImage.Filled(8, 8, 1, 2, 3).EncodePng());
        var read = DArLayout.Read(Json($$"""{"groups": 2, "image": "{{png}}"}"""));
        Assert.Equal(2, read.Groups);
        Assert.Equal(8, read.Image!.Width);
        var artifact = DArLayout.Read(Json("""{"artifact": "abc"}"""));
        Assert.Equal((1, "abc"), (artifact.Groups, artifact.ArtifactId));
        Assert.Throws<ArgumentException>(() => DArLayout.Read(Json("""{"groups": 1}""")));
        Assert.Throws<ArgumentException>(() => DArLayout.Read(Json($$"""{"image": "{{png}}", "artifact": "abc"}""")));
    }

    [Fact]
    public void A_bad_reference_image_is_refused_at_submission_naming_layout_image()
    {
        var model = new ModelStatus("d-ar", "image", ["image"], "", ModelState.Missing, null, Path.Combine(Path.GetTempPath(), "no-such-d-ar-" + Guid.NewGuid().ToString("N")));
        string garbage = Convert.ToBase64String("GIF89a not really"u8.ToArray());
        var errors = DArLimits.Check(model, Json($$$"""{"prompt": "a red circle", "layout": {"groups": 1, "image": "{{{garbage}}}"}}"""));
        Assert.Contains("layout.image", Assert.Single(errors["parameters.layout.image"]));
        var fine = Convert.ToBase64String(RgbImage.Filled(8, 8, 1, 2, 3).EncodePng());
        Assert.Empty(DArLimits.Check(model, Json($$$"""{"prompt": "a red circle", "layout": {"image": "{{{fine}}}"}}""")));
    }

    [Theory]
    [InlineData(new[] { 10.0, 12.0, 15.0, 30.0 }, true)]
    [InlineData(new[] { 10.0, 12.0, 12.0, 30.0 }, false)]
    [InlineData(new[] { 10.0, 9.0, 15.0 }, false)]
    [InlineData(new[] { 10.0 }, false)]
    public void Preview_psnr_must_rise_strictly_at_every_group(double[] curve, bool rises) =>
        Assert.Equal(rises, PreviewCurve.RisesAtEveryGroup(curve));
}
