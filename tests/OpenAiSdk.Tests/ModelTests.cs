using Media.Hosting.Tests.Support;
using OpenAI.Models;

namespace Media.OpenAiSdk.Tests;

/// <summary>models.list through the official OpenAI .NET SDK.</summary>
public sealed class ModelTests(SdkGateway gateway) : IClassFixture<SdkGateway>
{
    [Fact]
    public async Task Only_models_that_can_take_a_job_are_listed()
    {
        OpenAIModelCollection models = await gateway.Client.GetOpenAIModelClient().GetModelsAsync();
        var ids = models.Select(m => m.Id).ToList();
        Assert.Contains(TestModels.Image, ids);
        Assert.Contains(TestModels.Speech, ids);
        Assert.Contains(SdkGateway.ToneVoice, ids);
        // The real models have no checkpoint in this test's models folder: they cannot run, so they are not offered.
        foreach (string missing in new[] { "token-shuffle", "ardit-tts", "songgen" }) Assert.DoesNotContain(missing, ids);
        Assert.All(models, m => Assert.Equal("media", m.OwnedBy));
    }
}
