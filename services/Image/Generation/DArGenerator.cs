using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Modeling.Diffusion;
using Media.Modeling.Sampling;
using Media.Services.Image.Data;
using Media.Services.Image.Formats;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Generation;

/// <summary>
/// The `d-ar` generator: D-AR's GPT (the shared decoder with 1D RoPE, served by the one <see cref="StepScheduler"/> with the
/// CFG pair as one unit) generating the tokens of a sequential diffusion tokenizer. Each time a group of tokens is complete,
/// that group's flow step runs (<see cref="DArStepDecoder"/>) and the jump to t = 1 is sent as a preview, so the image
/// sharpens in step with the tokens; the final image is the last step's. Guidance follows D-AR's linear schedule over the
/// tokens (1 at the first token up to the request's scale at the last). Layout control fixes the first k groups to the
/// tokens of a reference image.
/// </summary>
public sealed class DArGenerator : IGenerator, IDisposable
{
    /// <summary>The model folder name under the models directory.</summary>
    public const string ModelFolder = "d-ar";

    /// <summary>The subfolder holding the tokenizer the GPT was trained on.</summary>
    public const string TokenizerFolder = TokenShuffleGenerator.BundledVqFolder;

    /// <summary>Default guidance scale reached at the last token.</summary>
    public const double DefaultGuidance = 4.0;

    readonly TokenShuffleStepLoop steps;
    readonly DArTokenizer tokenizer;
    readonly Lock tokenizerGate = new();

    /// <summary>Reads an artifact's bytes by id (null when unknown): how <c>layout.artifact</c> finds an earlier image.</summary>
    public Func<string, CancellationToken, Task<byte[]?>>? ArtifactReader { get; set; }

    /// <summary>Serves <paramref name="model"/> with <paramref name="tokenizer"/> for up to <paramref name="maxConcurrent"/> CFG pairs at once; takes ownership of both.</summary>
    public DArGenerator(TokenShuffleModel model, DArTokenizer tokenizer, int maxConcurrent = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        if (model.Config.Shuffle != 1 || model.Config.Windows != tokenizer.Config.Tokens || model.Config.CodebookSize != tokenizer.Config.CodebookSize)
            throw new ArgumentException($"The GPT predicts {model.Config.Windows} tokens of {model.Config.CodebookSize} codes one at a time; the tokenizer has {tokenizer.Config.Tokens} of {tokenizer.Config.CodebookSize}.", nameof(tokenizer));
        steps = new TokenShuffleStepLoop(model, maxConcurrent);
        this.tokenizer = tokenizer;
    }

    /// <summary>Image side in pixels.</summary>
    public int ImageSize => tokenizer.Config.ImageSize;

    /// <summary>Token groups = previews per image.</summary>
    public int Groups => tokenizer.Config.Groups;

    /// <summary>The tokenizer.</summary>
    public DArTokenizer Tokenizer => tokenizer;

    /// <summary>Loads <c>d-ar</c> from <paramref name="modelsDirectory"/> onto <paramref name="device"/>.</summary>
    public static DArGenerator Load(string modelsDirectory, Device device, int maxConcurrent = 8)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        return LoadFolder(Path.Combine(modelsDirectory, ModelFolder), device, maxConcurrent);
    }

    /// <summary>Loads a D-AR model folder (GPT + <c>tokenizer/</c>, checked by the tokenizer weights' hash).</summary>
    public static DArGenerator LoadFolder(string modelDirectory, Device device, int maxConcurrent = 8)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var config = TokenShuffleCheckpoint.ReadConfig(modelDirectory);
        string tokenizerDirectory = Path.Combine(modelDirectory, TokenizerFolder);
        return TokenizerPairing.Load(config.VqSha256, Path.Combine(tokenizerDirectory, DArTokenizerFolder.WeightsFile), modelDirectory, "D-AR tokenizer", "media train image-dar",
            () => DArTokenizerFolder.Load(tokenizerDirectory, device), tokenizer => new DArGenerator(TokenShuffleCheckpoint.Load(modelDirectory, device), tokenizer, maxConcurrent));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var request = ImageRequest.FromJob(job.Parameters, ImageSize, ModelFolder, DefaultGuidance);
        var layout = job.Parameters.TryGetProperty(DArLayout.Field, out var field) ? DArLayout.Read(field) : null;
        long[]? prefix = null;
        if (layout is not null)
        {
            var reference = layout.Image;
            if (layout.ArtifactId is { } id)
            {
                var bytes = ArtifactReader is null ? null : await ArtifactReader(id, cancellationToken).ConfigureAwait(false);
                reference = ImageUpload.Read(bytes ?? throw new ArgumentException($"{DArLayout.Field}.artifact: no artifact '{id}'."), $"{DArLayout.Field}.artifact");
            }
            prefix = ReferenceTokens(reference!, layout.Groups);
        }
        var image = await GenerateAsync(request, prefix, GenerationProgress.ToJobEvents(events, cancellationToken), cancellationToken).ConfigureAwait(false);
        return [new GeneratedArtifact(image.EncodePng(), "image/png", "image.png")];
    }

    /// <summary>The first <paramref name="groups"/> groups of tokens of <paramref name="reference"/> (resized to the model's size first).</summary>
    public long[] ReferenceTokens(RgbImage reference, int groups)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (groups < 1 || groups > Groups) throw new ArgumentException($"{DArLayout.Field}.groups must lie in 1..{Groups}.");
        var resized = ImageUpload.Fit(reference, ImageSize);
        lock (tokenizerGate)
        {
            using var scope = NewDisposeScope();
            var codes = tokenizer.Encode(ImageTensors.ToTensor([resized], tokenizer.Device));
            return codes[0].narrow(0, 0, groups * tokenizer.Config.TokensPerGroup).cpu().data<long>().ToArray();
        }
    }

    /// <summary>
    /// Generates one image from <paramref name="request"/>, with the first tokens fixed to <paramref name="prefix"/> when given,
    /// reporting every token and, when <see cref="ImageRequest.PreviewEvery"/> &gt; 0, a consistent preview after every
    /// <c>PreviewEvery</c>-th token group (the last group gives the final image instead).
    /// </summary>
    public async Task<RgbImage> GenerateAsync(ImageRequest request, long[]? prefix, Func<GenerationProgress, ValueTask>? onProgress, CancellationToken cancellationToken)
    {
        var result = await GenerateWithPreviewsAsync(request, prefix, onProgress, cancellationToken).ConfigureAwait(false);
        return result.Image;
    }

    /// <summary>As <see cref="GenerateAsync"/>, also returning every group's preview (for the preview curve).</summary>
    public async Task<(RgbImage Image, IReadOnlyList<RgbImage> Previews)> GenerateWithPreviewsAsync(ImageRequest request, long[]? prefix,
        Func<GenerationProgress, ValueTask>? onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PreviewEvery < 0) throw new ArgumentException("preview_every must be 0 (none) or positive.", nameof(request));
        int tokens = tokenizer.Config.Tokens, per = tokenizer.Config.TokensPerGroup;
        var forced = prefix?.Select(c => new[] { c }).ToArray();
        var guidance = GuidanceSchedule.Linear(1.0, request.GuidanceScale);
        using var tokenRequest = new TokenShuffleRequest(steps.Model, steps.Conditioning.Encode(request.Prompt), steps.Conditioning.Encode(request.NegativePrompt), request, guidance, forced);

        cancellationToken.ThrowIfCancellationRequested();
        DArStepDecoder decoder;
        lock (tokenizerGate)
        {
            using var noiseGenerator = new Generator(request.Sampling.Seed + 1, CPU);
            using var noise = randn([1, 3, ImageSize, ImageSize], generator: noiseGenerator);
            decoder = new DArStepDecoder(tokenizer, noise, FlowSolver.Adams2);
        }
        using var decoding = decoder;
        var codes = new long[tokens];
        var previews = new List<RgbImage>();
        await foreach (var (index, window) in steps.SampleAsync(tokenRequest, cancellationToken).ConfigureAwait(false))
        {
            codes[index] = window[0];
            RgbImage? preview = null;
            if ((index + 1) % per == 0)
            {
                int group = (index + 1) / per;
                var image = StepGroup(decoder, codes, index + 1);
                previews.Add(image);
                bool send = group < Groups && request.PreviewEvery > 0 && group % request.PreviewEvery == 0;
                if (send) preview = image;
            }
            if (onProgress is not null) await onProgress(new GenerationProgress(index + 1, tokens, preview)).ConfigureAwait(false);
        }
        lock (tokenizerGate)
        {
            using var scope = NewDisposeScope();
            return (ImageTensors.FromTensor(decoder.Image().cpu())[0], previews);
        }
    }

    RgbImage StepGroup(DArStepDecoder decoder, long[] codes, int known)
    {
        lock (tokenizerGate)
        {
            using var scope = NewDisposeScope();
            var ids = tensor(codes.AsSpan(0, known).ToArray(), ScalarType.Int64).view(1, known);
            return ImageTensors.FromTensor(decoder.Step(ids).cpu())[0];
        }
    }

    /// <summary>Stops the step loop and frees the models and the cache.</summary>
    public void Dispose()
    {
        steps.Dispose();
        tokenizer.Dispose();
    }
}
