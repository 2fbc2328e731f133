using Media.Hosting;
using Media.Hosting.Models;
using Microsoft.Extensions.Hosting;

namespace Media.Services.Image;

public static class ImageServiceExtensions
{
    /// <summary>The image family: its models, hosted in-process in the embedded default.</summary>
    public static IHostApplicationBuilder AddImageService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddModelSlot(new ModelSlot("token-shuffle", "image", ["image"],
            "Text-to-image: LlamaGen-style VQ tokens, Llama transformer with Token-Shuffle (s=2)", "token-shuffle"));
        // The family's worker: pulls image jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("image");
        return builder;
    }
}
