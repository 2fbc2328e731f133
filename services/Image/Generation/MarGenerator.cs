using System.Collections.Concurrent;
using System.Threading.Channels;
using Media.Hosting.Jobs;
using Media.Hosting.Workers;
using Media.Services.Image.Data;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Generation;

/// <summary>
/// The `mar` generator: one MAR model and its KL autoencoder on one device, one step loop on its own
/// thread. Requests join at an iteration boundary; each loop turn runs one AR iteration of every active
/// request through <see cref="MarSampler.Step"/>, which batches the backbone and pools the head's tokens
/// across requests. After each iteration a request gets its progress and a preview (known tokens
/// decoded, unknown ones left masked at zero); cancelling drops it at the next boundary.
/// </summary>
public sealed class MarGenerator : IGenerator, IDisposable
{
    /// <summary>The model folder name under the models directory.</summary>
    public const string ModelFolder = "mar";

    /// <summary>The KL autoencoder folder name under the models directory.</summary>
    public const string VaeFolder = "image-vae";

    readonly MarModel model;
    readonly AutoencoderKl vae;
    readonly MarSampler sampler;
    readonly int maxConcurrent;
    readonly ConcurrentQueue<Pending> arrivals = new();
    readonly SemaphoreSlim signal = new(0);
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    /// <summary>Serves <paramref name="model"/> with <paramref name="vae"/> (takes ownership), up to <paramref name="maxConcurrent"/> images per iteration.</summary>
    public MarGenerator(MarModel model, AutoencoderKl vae, int maxConcurrent = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrent);
        this.model = model;
        this.vae = vae;
        this.maxConcurrent = maxConcurrent;
        sampler = new MarSampler(model, vae);
        loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning);
    }

    /// <summary>Image side in pixels.</summary>
    public int ImageSize => model.Config.ImgSize;

    /// <summary>The sampler (for benchmarks and evaluation on the caller's thread).</summary>
    public MarSampler Sampler => sampler;

    /// <summary>Loads <c>mar</c> and <c>image-vae</c> from <paramref name="modelsDirectory"/>.</summary>
    public static MarGenerator Load(string modelsDirectory, Device device, int maxConcurrent = 8)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        return Load(Path.Combine(modelsDirectory, ModelFolder), Path.Combine(modelsDirectory, VaeFolder), device, maxConcurrent);
    }

    /// <summary>Loads a model folder with the VAE folder it was trained on (checked by the weights' hash).</summary>
    public static MarGenerator Load(string modelDirectory, string vaeDirectory, Device device, int maxConcurrent = 8)
    {
        var config = MarCheckpoint.ReadConfig(modelDirectory);
        return TokenizerPairing.Load(config.VaeSha256, Path.Combine(vaeDirectory, KlModelFolder.WeightsFile), modelDirectory, "VAE", "media train image-mar",
            () => KlModelFolder.Load(vaeDirectory, device), vae => new MarGenerator(MarCheckpoint.Load(modelDirectory, device), vae, maxConcurrent));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GeneratedArtifact>> RunAsync(Job job, IJobEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        var (options, previews) = MarRequest.FromJob(job.Parameters, ImageSize, model.Config.SeqLen);
        var image = await GenerateAsync(options, previews, GenerationProgress.ToJobEvents(events, cancellationToken), cancellationToken).ConfigureAwait(false);
        return [new GeneratedArtifact(image.EncodePng(), "image/png", "image.png")];
    }

    /// <summary>Generates one image, reporting each AR iteration (with a preview when asked) in order.</summary>
    public async Task<RgbImage> GenerateAsync(MarSamplingOptions options, bool previews, Func<GenerationProgress, ValueTask>? onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(model.Config.SeqLen);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(options, previews, cancellationToken);
        arrivals.Enqueue(pending);
        signal.Release();
        await foreach (var progress in pending.Events.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            if (onProgress is not null) await onProgress(progress).ConfigureAwait(false);
        return await pending.Result.Task.ConfigureAwait(false);
    }

    void Loop()
    {
        var active = new List<(Pending Request, MarImageState State)>();
        while (!stop.IsCancellationRequested)
        {
            if (active.Count == 0)
            {
                try { signal.Wait(stop.Token); }
                catch (OperationCanceledException) { break; }
            }
            while (active.Count < maxConcurrent && arrivals.TryDequeue(out var next))
            {
                try { active.Add((next, sampler.Start(next.Options))); }
                catch (Exception e) { next.Fail(e); }
            }
            foreach (var cancelled in active.Where(a => a.Request.Cancellation.IsCancellationRequested).ToList())
            {
                cancelled.Request.Fail(new OperationCanceledException("The image request was cancelled.", cancelled.Request.Cancellation));
                cancelled.State.Dispose();
                active.Remove(cancelled);
            }
            if (active.Count == 0) continue;
            try
            {
                sampler.Step([.. active.Select(a => a.State)]);
            }
            catch (Exception e)
            {
                foreach (var (request, state) in active) { request.Fail(e); state.Dispose(); }
                active.Clear();
                continue;
            }
            foreach (var (request, state) in active.ToList())
            {
                using var scope = NewDisposeScope();
                int n = state.Options.Iterations;
                RgbImage? preview = null;
                if (state.IsDone || request.Previews)
                    preview = ImageTensors.FromTensor(sampler.Decode(state).unsqueeze(0).cpu())[0];
                if (state.IsDone)
                {
                    request.Events.Writer.TryWrite(new GenerationProgress(n, n, null));
                    request.Complete(preview!);
                    state.Dispose();
                    active.Remove((request, state));
                }
                else request.Events.Writer.TryWrite(new GenerationProgress(state.Iteration, n, preview));
            }
        }
        foreach (var (request, state) in active) { request.Fail(new OperationCanceledException("The generator stopped.")); state.Dispose(); }
        while (arrivals.TryDequeue(out var left)) left.Fail(new OperationCanceledException("The generator stopped."));
    }

    /// <summary>Stops the step loop and frees the models.</summary>
    public void Dispose()
    {
        stop.Cancel();
        try { loop.Wait(); }
        catch (AggregateException) { }
        model.Dispose();
        vae.Dispose();
        stop.Dispose();
        signal.Dispose();
    }

    sealed class Pending(MarSamplingOptions options, bool previews, CancellationToken cancellation)
    {
        public MarSamplingOptions Options { get; } = options;
        public bool Previews { get; } = previews;
        public CancellationToken Cancellation { get; } = cancellation;
        public Channel<GenerationProgress> Events { get; } = Channel.CreateUnbounded<GenerationProgress>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        public TaskCompletionSource<RgbImage> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(RgbImage image)
        {
            Result.TrySetResult(image);
            Events.Writer.TryComplete();
        }

        public void Fail(Exception e)
        {
            Result.TrySetException(e);
            Events.Writer.TryComplete();
        }
    }
}
