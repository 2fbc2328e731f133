using System.Text.Json;
using Media.Services.Image.Generation;

namespace Media.Services.Image.Tests.Generation;

public class ImageRequestTests
{
    [Fact]
    public void Job_parameters_map_to_guidance_sampling_and_previews()
    {
        using var json = JsonDocument.Parse("""{"prompt":"a red circle","negative_prompt":"a blue square","guidance_scale":5,"temperature":0.5,"top_k":7,"top_p":0.9,"seed":12,"preview_every":2}""");
        var request = ImageRequest.FromJob(json.RootElement, 64);
        Assert.Equal("a red circle", request.Prompt);
        Assert.Equal("a blue square", request.NegativePrompt);
        Assert.Equal(5, request.GuidanceScale);
        Assert.Equal(2, request.PreviewEvery);
        Assert.Equal((0.5, 7, 0.9, 12UL), (request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP, request.Sampling.Seed));
        // Half-linear: 1 at the first window, the full scale from half way on.
        Assert.Equal(1.0, request.Guidance.ScaleAt(0, 16));
        Assert.Equal(5.0, request.Guidance.ScaleAt(8, 16));
    }

    [Fact]
    public void A_size_the_model_does_not_draw_is_refused_naming_it()
    {
        using var json = JsonDocument.Parse("""{"prompt":"a red circle","width":128}""");
        var e = Assert.Throws<ArgumentException>(() => ImageRequest.FromJob(json.RootElement, 64));
        Assert.Contains("width 128", e.Message, StringComparison.Ordinal);
    }
}
