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
        // MagicMix: missing until models/magicmix (the latent DiT, with the models/image-vae it was trained on) is committed.
        builder.Services.AddModelSlot(new ModelSlot(MagicMixGenerator.ModelFolder, "image", [ImageJobKind.Name],
            "MagicMix: layout from an image or a layout prompt, content from the prompt (mix); plain text-to-image without mix. A text-conditioned latent DiT", MagicMixGenerator.ModelFolder));
        builder.Services.AddModelLimits(MagicMixGenerator.ModelFolder, MagicMixLimits.Describe, MagicMixLimits.Check);
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
            generator.ArtifactReader = ArtifactReader(sp);
            return generator;
        });
        builder.Services.AddGenerator(MagicMixGenerator.ModelFolder, sp =>
        {
            var generator = MagicMixGenerator.Load(sp.GetRequiredService<ModelCatalog>().ModelsDirectory,
                DeviceSelector.Apply(sp.GetRequiredService<IOptions<TorchOptions>>().Value));
            generator.ArtifactReader = ArtifactReader(sp);
            return generator;
        });
        // The family's worker: pulls image jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("image");
        return builder;
    }

    /// <summary>Reads an earlier image job's output from the artifact store (D-AR's layout.artifact, MagicMix's mix.artifact).</summary>
    static Func<string, CancellationToken, Task<byte[]?>> ArtifactReader(IServiceProvider services) => async (id, ct) =>
    {
        await using var stream = await services.GetRequiredService<Media.Hosting.Artifacts.IArtifactStore>().OpenReadAsync(id, ct).ConfigureAwait(false);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct).ConfigureAwait(false);
        return copy.ToArray();
    };
}
