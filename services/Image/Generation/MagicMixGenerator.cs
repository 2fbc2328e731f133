using System.Threading.Channels;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Services.Image.Data;
using Media.Services.Image.Formats;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.MagicMix;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Generation;

/// <summary>
/// The `magicmix` generator: the latent DiT (MagicMix's base model) and its KL autoencoder on one device. A job with a
/// <c>mix</c> parameter runs MagicMix (image-text mode for an uploaded or earlier image, text-text mode for a layout prompt);
/// without one it is plain text-to-image. One job runs at a time on its own thread; progress follows every DDIM step and a
/// preview (the clean latent predicted at that step, decoded) every <c>preview_every</c> steps; cancelling stops at the
/// next step.
/// </summary>
public sealed class MagicMixGenerator : IGenerator, IDisposable
{
    /// <summary>The model folder name under the models directory.</summary>
    public const string ModelFolder = LdmPipeline.ModelFolder;

    readonly LdmPipeline pipeline;
    readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Serves <paramref name="pipeline"/> (takes ownership).</summary>
    public MagicMixGenerator(LdmPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        this.pipeline = pipeline;
    }

    /// <summary>Reads an earlier image for <c>mix.artifact</c> (null: no artifact store, the job fails naming the field).</summary>
    public Func<string, CancellationToken, Task<byte[]?>>? ArtifactReader { get; set; }

    /// <summary>Image side in pixels.</summary>
    public int ImageSize => pipeline.ImageSize;

    /// <summary>Loads <c>magicmix</c> and <c>image-vae</c> from <paramref name="modelsDirectory"/>.</summary>
    public static MagicMixGenerator Load(string modelsDirectory, Device device)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        return new MagicMixGenerator(LdmPipeline.Load(Path.Combine(modelsDirectory, ModelFolder), Path.Combine(modelsDirectory, LdmPipeline.VaeFolder), device));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var request = MagicMixRequest.FromJob(job.Parameters, ImageSize);
        if (request.LayoutArtifact is { } id)
        {
            var bytes = ArtifactReader is null ? null : await ArtifactReader(id, cancellationToken).ConfigureAwait(false);
            var field = $"{MagicMixRequest.Field}.artifact";
            request = request with { LayoutImage = ImageUpload.Read(bytes ?? throw new ArgumentException($"{field}: no artifact '{id}'.", field), field) };
        }
        var image = await GenerateAsync(request, async (step, total, preview) =>
        {
            await events.ProgressAsync(step, total, cancellationToken).ConfigureAwait(false);
            if (preview is not null) await events.PreviewAsync(preview.EncodePng(), step, total, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return [new GeneratedArtifact(image.EncodePng(), "image/png", "image.png")];
    }

    /// <summary>Runs one request, reporting each step (with a preview every <see cref="MagicMixRequest.PreviewEvery"/> steps) in order.</summary>
    public async Task<RgbImage> GenerateAsync(MagicMixRequest request, Func<int, int, RgbImage?, ValueTask>? onStep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        pipeline.CheckPrompt(request.Prompt, "prompt");
        if (request.LayoutPrompt is { } layoutPrompt) pipeline.CheckPrompt(layoutPrompt, $"{MagicMixRequest.Field}.layout_prompt");
        var steps = Channel.CreateUnbounded<(int Step, int Total, RgbImage? Preview)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var run = Task.Factory.StartNew(() =>
            {
                try { return Run(request, (step, total, preview) => steps.Writer.TryWrite((step, total, preview)), cancellationToken); }
                finally { steps.Writer.TryComplete(); }
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await foreach (var (step, total, preview) in steps.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                if (onStep is not null) await onStep(step, total, preview).ConfigureAwait(false);
            return await run.ConfigureAwait(false);
        }
        finally { gate.Release(); }
    }

    RgbImage Run(MagicMixRequest request, Action<int, int, RgbImage?> report, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(request.Seed, CPU);
        var noise = pipeline.NewNoise(1, generator);
        var options = request.Options;
        var denoise = pipeline.Denoiser([request.Prompt], request.LayoutPrompt is { } lp ? [lp] : null, options.GuidanceScale, options.ContentWeight);
        void OnStep(MixStep step)
        {
            bool preview = request.PreviewEvery > 0 && step.Step % request.PreviewEvery == 0 && step.Step < step.Steps;
            report(step.Step, step.Steps, preview ? pipeline.DecodeImages(step.PredictedClean)[0] : null);
        }
        Tensor latent;
        if (!request.Mixes)
        {
            latent = new MagicMixSampler(pipeline.Diffusion, options).Generate(denoise, noise, OnStep, cancellationToken);
        }
        else
        {
            var sampler = new MagicMixSampler(pipeline.Diffusion, options);
            latent = request.LayoutImage is { } layout
                ? sampler.MixImage(denoise, pipeline.EncodeImages([ImageUpload.Fit(layout, ImageSize)]), noise, OnStep, cancellationToken)
                : sampler.MixText(denoise, noise, OnStep, cancellationToken);
        }
        return pipeline.DecodeImages(latent)[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        pipeline.Dispose();
        gate.Dispose();
    }
}
