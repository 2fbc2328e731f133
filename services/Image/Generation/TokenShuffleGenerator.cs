using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Services.Image.Data;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Generation;

/// <summary>
/// The `token-shuffle` generator: one Token-Shuffle model and its VQ tokenizer on one device, serving every image
/// request through one shared <see cref="StepScheduler"/> running on its own thread, so concurrent requests decode
/// in one batch (continuous batching; a CFG pair is one unit). Each request reports progress per window and a
/// preview after each row of windows (rows not yet generated are gray), then returns the final image; cancelling
/// stops it at the next step.
/// </summary>
public sealed class TokenShuffleGenerator : IGenerator, IDisposable
{
    /// <summary>The model folder name under the models directory.</summary>
    public const string ModelFolder = "token-shuffle";

    /// <summary>The VQ tokenizer folder name under the models directory.</summary>
    public const string VqFolder = "image-vq";

    readonly TokenShuffleStepLoop steps;
    readonly VqModel vq;
    readonly PartialImageDecoder decoder;

    /// <summary>Serves <paramref name="model"/> with <paramref name="vq"/> for up to <paramref name="maxConcurrent"/> CFG pairs at once; takes ownership of both.</summary>
    public TokenShuffleGenerator(TokenShuffleModel model, VqModel vq, int maxConcurrent = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vq);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        if (vq.Config.CodebookSize != model.Config.CodebookSize)
            throw new ArgumentException($"The VQ codebook has {vq.Config.CodebookSize} codes; the model predicts {model.Config.CodebookSize}.", nameof(vq));
        steps = new TokenShuffleStepLoop(model, maxConcurrent);
        this.vq = vq;
        decoder = new PartialImageDecoder(vq);
    }

    /// <summary>Image side in pixels.</summary>
    public int ImageSize => steps.Model.Config.GridSize * vq.Config.DownsampleFactor;

    /// <summary>The model it serves.</summary>
    public TokenShuffleModel Model => steps.Model;

    /// <summary>The subfolder of a model folder holding the VQ tokenizer it was trained with, when it carries its own.</summary>
    public const string BundledVqFolder = "tokenizer";

    /// <summary>
    /// Loads <c>token-shuffle</c> from <paramref name="modelsDirectory"/> onto <paramref name="device"/> with the VQ
    /// tokenizer it was trained on: its own <c>tokenizer/</c> subfolder when it has one, else <c>image-vq</c>.
    /// </summary>
    public static TokenShuffleGenerator Load(string modelsDirectory, Device device, int maxConcurrent = 8, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        string modelDirectory = Path.Combine(modelsDirectory, ModelFolder);
        return Load(modelDirectory, VqDirectoryFor(modelDirectory, Path.Combine(modelsDirectory, VqFolder)), device, maxConcurrent, dtype);
    }

    /// <summary>The model's bundled tokenizer folder if it has one, else <paramref name="shared"/>.</summary>
    public static string VqDirectoryFor(string modelDirectory, string shared) =>
        File.Exists(Path.Combine(modelDirectory, BundledVqFolder, VqModelFolder.WeightsFile)) ? Path.Combine(modelDirectory, BundledVqFolder) : shared;

    /// <summary>
    /// Loads a model folder and the VQ folder it was trained with (checked by the weights' hash). <paramref name="dtype"/> is the
    /// decoder's precision (weights and KV cache; Media:Torch:Dtype); the VQ decoder stays in float32.
    /// </summary>
    public static TokenShuffleGenerator Load(string modelDirectory, string vqDirectory, Device device, int maxConcurrent = 8, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        ArgumentException.ThrowIfNullOrEmpty(vqDirectory);
        var config = TokenShuffleCheckpoint.ReadConfig(modelDirectory);
        return TokenizerPairing.Load(config.VqSha256, Path.Combine(vqDirectory, VqModelFolder.WeightsFile), modelDirectory, "VQ", "media train image-ar",
            () => VqModelFolder.Load(vqDirectory, device), vq =>
            {
                var model = TokenShuffleCheckpoint.Load(modelDirectory, device);
                if (dtype != ScalarType.Float32) model.to(dtype);
                return new TokenShuffleGenerator(model, vq, maxConcurrent);
            });
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var request = ImageRequest.FromJob(job.Parameters, ImageSize);
        var image = await GenerateAsync(request, GenerationProgress.ToJobEvents(events, cancellationToken), cancellationToken).ConfigureAwait(false);
        return [new GeneratedArtifact(image.EncodePng(), "image/png", "image.png")];
    }

    /// <summary>Generates one image, reporting each window (and a preview after each row of windows) in order.</summary>
    public async Task<RgbImage> GenerateAsync(ImageRequest request, Func<GenerationProgress, ValueTask>? onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PreviewEvery < 0) throw new ArgumentException("preview_every must be 0 (none) or positive.", nameof(request));
        var config = steps.Model.Config;
        using var tokenRequest = new TokenShuffleRequest(steps.Model, steps.Conditioning.Encode(request.Prompt), steps.Conditioning.Encode(request.NegativePrompt), request);
        var grid = new long[config.GridSize, config.GridSize];
        int s = config.Shuffle, wg = config.WindowGrid;
        await foreach (var (index, codes) in steps.SampleAsync(tokenRequest, cancellationToken).ConfigureAwait(false))
        {
            int wy = index / wg, wx = index % wg;
            for (int k = 0; k < codes.Length; k++) grid[wy * s + k / s, wx * s + k % s] = codes[k];
            bool rowDone = wx == wg - 1;
            bool preview = rowDone && index + 1 < config.Windows && request.PreviewEvery > 0 && (wy + 1) % request.PreviewEvery == 0;
            if (onProgress is not null)
                await onProgress(new GenerationProgress(index + 1, config.Windows, preview ? decoder.Decode(grid, (wy + 1) * s) : null)).ConfigureAwait(false);
        }
        return decoder.Decode(grid, config.GridSize);
    }

    /// <summary>Stops the step loop and frees the models and the cache.</summary>
    public void Dispose()
    {
        steps.Dispose();
        vq.Dispose();
    }
}
