using Media.Hosting;
using Media.Hosting.Models;
using Media.Modeling.Devices;
using Media.Services.Image.Generation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Media.Services.Image;

public static class ImageServiceExtensions
{
    /// <summary>
    /// The image family: its job kind, model slots and limits everywhere (a gateway checks submissions against them);
    /// its generators and worker where models run (embedded: in the gateway's process; worker role: services/Image's own).
    /// </summary>
    public static IHostApplicationBuilder AddImageService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        bool runsModels = builder.RunsModels();
        if (runsModels) builder.Services.AddTorchOptions();
        builder.Services.AddJobKind(ImageJobKind.Definition);
        builder.Services.AddModelSlot(new ModelSlot("token-shuffle", "image", [ImageJobKind.Name],
            "Text-to-image: LlamaGen-style VQ tokens, Llama transformer with Token-Shuffle (s=2)", TokenShuffleGenerator.ModelFolder));
        // The checkpoint's image size and caption length refuse a job at submission (400) rather than fail it later.
        builder.Services.AddModelLimits("token-shuffle", TokenShuffleLimits.Describe, TokenShuffleLimits.Check);
        // MAR + DiSA: missing until models/mar (and the models/image-vae it was trained on) is committed.
        builder.Services.AddModelSlot(new ModelSlot(MarGenerator.ModelFolder, "image", [ImageJobKind.Name],
            "Text-to-image: MAR continuous tokens with a per-token diffusion head; DiSA step annealing per request (diffusion_steps)", MarGenerator.ModelFolder));
        // D-AR: missing until models/d-ar (GPT + tokenizer/) is committed; previews after every token group.
        builder.Services.AddModelSlot(new ModelSlot(DArGenerator.ModelFolder, "image", [ImageJobKind.Name],
            "Text-to-image: D-AR, a Llama GPT over sequential diffusion tokens; a consistent preview after every token group, layout control", DArGenerator.ModelFolder));
        builder.Services.AddModelLimits(DArGenerator.ModelFolder, DArLimits.Describe, DArLimits.Check);
        if (!runsModels) return builder;
        // Loaded on the first job: models/token-shuffle with the models/image-vq it was trained on.
        builder.Services.AddGenerator("token-shuffle", sp =>
        {
            var torch = sp.GetRequiredService<IOptions<TorchOptions>>().Value;
            var device = DeviceSelector.Apply(torch); // one intra-op thread per worker unless Media:Torch:Threads says otherwise
            return TokenShuffleGenerator.Load(sp.GetRequiredService<ModelCatalog>().ModelsDirectory, device, dtype: DeviceSelector.ResolveDtype(torch.Dtype, device));
        });
        builder.Services.AddGenerator(MarGenerator.ModelFolder, sp => MarGenerator.Load(
            sp.GetRequiredService<ModelCatalog>().ModelsDirectory,
            DeviceSelector.Apply(sp.GetRequiredService<IOptions<TorchOptions>>().Value)));
        builder.Services.AddGenerator(DArGenerator.ModelFolder, sp =>
        {
            var generator = DArGenerator.Load(sp.GetRequiredService<ModelCatalog>().ModelsDirectory,
                DeviceSelector.Apply(sp.GetRequiredService<IOptions<TorchOptions>>().Value));
            // layout.artifact: an earlier image job's output, read from the artifact store.
            generator.ArtifactReader = async (id, ct) =>
            {
                await using var stream = await sp.GetRequiredService<Media.Hosting.Artifacts.IArtifactStore>().OpenReadAsync(id, ct).ConfigureAwait(false);
                if (stream is null) return null;
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, ct).ConfigureAwait(false);
                return copy.ToArray();
            };
            return generator;
        });
        // The family's worker: pulls image jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("image");
        return builder;
    }
}
