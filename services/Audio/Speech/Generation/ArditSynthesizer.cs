using Media.Modeling.Devices;
using Media.Modeling.Diffusion;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// ARDiT generation, one block of B latent frames at a time: the text and every finished block sit in a
/// key/value cache; each new block starts from seeded noise, integrates the flow ODE with the model attending to
/// that cache, and is then appended to it as clean context. Continuation and editing start from clean prefix latents;
/// fill-in-the-middle editing also puts the clean suffix after the span into the cache first, so the span fits both sides.
/// After <see cref="StartBatching"/>, <see cref="Blocks"/> of concurrent callers are served together on the shared step
/// scheduler (see <see cref="ArditBlockStepper"/>), each caller's speech unchanged.
/// </summary>
public sealed class ArditSynthesizer(ArditModel model) : IDisposable
{
    readonly ArditModel model = model ?? throw new ArgumentNullException(nameof(model));
    readonly Lock batchingGate = new();
    GroupStepScheduler<ArditBlockRequest>? scheduler;
    ArditBlockStepper? stepper;
    CancellationTokenSource? stopBatching;
    Task? batchLoop;

    /// <summary>The model.</summary>
    public ArditModel Model => model;

    /// <summary>Most utterances stepped together once batching is on; 0 while every caller generates alone.</summary>
    public int MaxBatch => scheduler?.MaxRunning ?? 0;

    /// <summary>
    /// From now on <see cref="Blocks"/> (and what uses it) runs on a <see cref="GroupStepScheduler{TRequest}"/> thread that
    /// steps up to <paramref name="maxBatch"/> concurrent utterances together; later callers wait for a place. Once until <see cref="StopBatching"/>.
    /// </summary>
    public void StartBatching(int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        lock (batchingGate)
        {
            if (scheduler is not null) throw new InvalidOperationException("Batching is already on.");
            stopBatching = new CancellationTokenSource();
            stepper = new ArditBlockStepper(model, maxBatch);
            scheduler = new GroupStepScheduler<ArditBlockRequest>(stepper, maxBatch);
            batchLoop = scheduler.RunAsync(stopBatching.Token);
        }
    }

    /// <summary>Stops the batching thread (cancelling what it still serves); the model belongs to the caller.</summary>
    public void Dispose() => StopBatching();

    /// <summary>Stops batching, if it is on (cancelling what it still serves); <see cref="StartBatching"/> may start it again.</summary>
    public void StopBatching()
    {
        lock (batchingGate)
        {
            if (scheduler is null) return;
            try
            {
                stopBatching!.Cancel();
                batchLoop!.GetAwaiter().GetResult();
            }
            finally
            {
                scheduler.Dispose();
                stepper!.Dispose();
                stopBatching!.Dispose();
                scheduler = null;
                stepper = null;
            }
        }
    }

    /// <summary>
    /// Generates frames <c>prefix.Length .. stopFrame-1</c> of an utterance of <paramref name="totalFrames"/> frames for
    /// <paramref name="textIds"/>, after the clean data-space <paramref name="prefix"/> [P, C] (P a multiple of B, may be null).
    /// Cancellation is checked before every block. <paramref name="textFrames"/> places the text tokens (one frame each; by
    /// default the model's own <see cref="ArditModel.TextFrames"/>). A clean data-space <paramref name="suffix"/> [S, C] ends
    /// the utterance (fill-in-the-middle: a model trained so, see <see cref="ArditModel.AppendSuffix"/>): generation stops
    /// where it starts, at frame N - S, the last block cut short there.
    /// </summary>
    public IEnumerable<LatentBlock> Blocks(int[] textIds, int totalFrames, Tensor? prefix, ArditSamplingOptions options, int? stopFrame = null,
        double[]? textFrames = null, Tensor? suffix = null, CancellationToken cancellationToken = default)
    {
        var context = Check(textIds, totalFrames, prefix, options, stopFrame, textFrames, suffix);
        if (scheduler is { } batched)
        {
            context.Text.Dispose();
            // The request (and its copies of the prefix and suffix) is made when the blocks are first read, so an unread sequence holds nothing.
            return BatchedBlocks(batched, () => NewRequest(textIds, totalFrames, prefix, options, context), cancellationToken);
        }
        return AloneBlocks(context, totalFrames, prefix, options, cancellationToken);
    }

    /// <summary>
    /// The request for a <see cref="GroupStepScheduler{TRequest}"/> with an <see cref="ArditBlockStepper"/> over this model
    /// that makes what <see cref="Blocks"/> makes alone (same arguments, same checks); its blocks come out of
    /// <see cref="ArditBlockRequest.Blocks"/>. <see cref="StartBatching"/> does this for every caller.
    /// </summary>
    public ArditBlockRequest CreateRequest(int[] textIds, int totalFrames, Tensor? prefix, ArditSamplingOptions options, int? stopFrame = null,
        double[]? textFrames = null, Tensor? suffix = null)
    {
        var context = Check(textIds, totalFrames, prefix, options, stopFrame, textFrames, suffix);
        context.Text.Dispose();
        return NewRequest(textIds, totalFrames, prefix, options, context);
    }

    ArditBlockRequest NewRequest(int[] textIds, int totalFrames, Tensor? prefix, ArditSamplingOptions options, Context context)
    {
        // The request owns copies of the prefix and suffix: the caller's may be gone by the time it is admitted.
        var owned = context.Prefix > 0 ? prefix!.narrow(0, 0, context.Prefix).to(model.Device).clone().DetachFromDisposeScope() : null;
        var ownedSuffix = context.Suffix?.to(model.Device).clone().DetachFromDisposeScope();
        return new ArditBlockRequest([.. textIds], totalFrames, owned, options, options.BlockSize ?? model.Config.BlockSize, context.Stop, context.TextFrames, ownedSuffix);
    }

    /// <summary>
    /// The blocks of one request served with others: submitted to the scheduler, read as they come, cancelled with the
    /// token (checked before every block handed out, as alone) or when the caller stops reading early.
    /// </summary>
    static IEnumerable<LatentBlock> BatchedBlocks(GroupStepScheduler<ArditBlockRequest> batched, Func<ArditBlockRequest> create, CancellationToken cancellationToken)
    {
        var request = create();
        using var registration = cancellationToken.Register(() => batched.Cancel(request.Id));
        batched.Submit(request);
        try
        {
            foreach (var block in request.Blocks.ReadAllAsync(CancellationToken.None).ToBlockingEnumerable(CancellationToken.None))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    block.Dispose();
                    break;
                }
                yield return block;
            }
        }
        finally
        {
            if (!request.Completion.IsCompleted) batched.Cancel(request.Id);
            // Wait for it to leave (at most one step), then drop blocks nobody will read.
            ((IAsyncResult)request.Completion).AsyncWaitHandle.WaitOne();
            while (request.Blocks.TryRead(out var unread)) unread.Dispose();
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Completion.GetAwaiter().GetResult() == RequestStatus.Cancelled)
            throw new OperationCanceledException("The speech request was cancelled: the batching thread stopped.");
    }

    IEnumerable<LatentBlock> AloneBlocks(Context context, int totalFrames, Tensor? prefix, ArditSamplingOptions options, CancellationToken cancellationToken)
    {
        using var textTensor = context.Text;
        int p = context.Prefix, stop = context.Stop;
        var device = model.Device;
        int b = options.BlockSize ?? model.Config.BlockSize, c = model.Config.LatentDim;
        using var generator = new Generator((ulong)options.Seed);
        using var cache = OpenContext(model, context.Text, totalFrames, context.TextFrames, context.Suffix, prefix, p, b);
        var schedule = FlowMatching.Schedule(options.Steps, options.TimeShift);
        // The finished block waits to be appended to the cache in the same forward pass as the next block's first step.
        Tensor? pending = null;
        try
        {
            for (int start = p; start < stop; start += b)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Blocks end at the suffix when there is one (as trained), else at the utterance's end.
                int n = Math.Min(b, cache.SuffixStart - start);
                LatentBlock block;
                using (FinalizerGate.Enter())
                using (var scope = NewDisposeScope())
                {
                    var x = randn([1, n, c], generator: generator).to(device);
                    using var sampler = new FlowSampler(schedule, options.Solver);
                    while (sampler.StepIndex < sampler.Steps)
                    {
                        var velocity = pending is null
                            ? model.VelocityCached(cache, x, sampler.Time, start)
                            : model.AppendCleanAndVelocity(cache, pending, start - b, x, sampler.Time, start);
                        pending?.Dispose();
                        pending = null;
                        x = sampler.Step(x, velocity);
                    }
                    if (start + n < stop) pending = x.clone().DetachFromDisposeScope();
                    // A block cut by stopFrame (editing) is still sampled whole, as in training, then trimmed.
                    block = new LatentBlock(start, model.Denormalize(x).squeeze(0).narrow(0, 0, Math.Min(n, stop - start)).MoveToOuterDisposeScope());
                }
                yield return block;
            }
        }
        finally
        {
            pending?.Dispose();
        }
    }

    /// <summary>
    /// The cache an utterance's blocks start from, alone or batched: its text (tokens at <paramref name="textFrames"/>, or
    /// where the model puts them), then the data-space <paramref name="suffix"/> when there is one, then the first
    /// <paramref name="prefixFrames"/> of the data-space <paramref name="prefix"/>, a block of <paramref name="blockSize"/> at a time.
    /// </summary>
    internal static ArditContextCache OpenContext(ArditModel model, Tensor text, int totalFrames, double[]? textFrames, Tensor? suffix, Tensor? prefix, int prefixFrames, int blockSize,
        KvCache? slots = null)
    {
        var cache = model.StartContext(text, totalFrames, textFrames, slots);
        try
        {
            var device = model.Device;
            if (suffix is not null)
                using (FinalizerGate.Enter())
                using (NewDisposeScope())
                    model.AppendSuffix(cache, model.Normalize(suffix.to(device)).unsqueeze(0));
            for (int start = 0; start < prefixFrames; start += blockSize)
            {
                using var inFlight = FinalizerGate.Enter();
                using var scope = NewDisposeScope();
                model.AppendClean(cache, model.Normalize(prefix!.narrow(0, start, blockSize).to(device)).unsqueeze(0), start);
            }
            return cache;
        }
        catch
        {
            cache.Dispose();   // gives a shared slot back
            throw;
        }
    }

    /// <summary>All generated frames [stop - P, C] at once (the cached path, blocks concatenated).</summary>
    public Tensor Generate(int[] textIds, int totalFrames, ArditSamplingOptions options, Tensor? prefix = null, int? stopFrame = null)
    {
        var blocks = Blocks(textIds, totalFrames, prefix, options, stopFrame).ToList();
        try { return cat([.. blocks.Select(x => x.Latents)], 0); }
        finally { foreach (var x in blocks) x.Dispose(); }
    }

    /// <summary>
    /// The same generation without a cache: every ODE step reruns the full training layout over all frames, with
    /// the frames not generated yet left at zero (the mask hides them). A reference for the cached path.
    /// </summary>
    public Tensor GenerateWithoutCache(int[] textIds, int totalFrames, ArditSamplingOptions options, Tensor? prefix = null)
    {
        var context = Check(textIds, totalFrames, prefix, options, null);
        var text = context.Text;
        int p = context.Prefix;
        using var textTensor = text;
        using var outer = NewDisposeScope();
        using var noGrad = no_grad();
        var device = model.Device;
        int b = options.BlockSize ?? model.Config.BlockSize, c = model.Config.LatentDim;
        long[] textLength = [text.shape[1]], frames = [totalFrames];
        // Where the characters sit is fixed for the utterance: place them once, not at every ODE step.
        var spoken = model.TextFrames(text, textLength, frames);
        using var generator = new Generator((ulong)options.Seed);
        var clean = zeros([1, totalFrames, c], device: device);
        if (p > 0) clean.narrow(1, 0, p).copy_(model.Normalize(prefix!.narrow(0, 0, p).to(device)).unsqueeze(0));
        var schedule = FlowMatching.Schedule(options.Steps, options.TimeShift);
        for (int start = p; start < totalFrames; start += b)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(b, totalFrames - start);
            var x = randn([1, n, c], generator: generator).to(device);
            using var sampler = new FlowSampler(schedule, options.Solver);
            while (sampler.StepIndex < sampler.Steps)
            {
                var noisy = zeros([1, totalFrames, c], device: device);
                noisy.narrow(1, start, n).copy_(x);
                var velocity = model.Velocity(text, textLength, clean, noisy, full([1, totalFrames], sampler.Time, device: device), frames, b, spoken);
                x = sampler.Step(x, velocity.narrow(1, start, n));
            }
            clean.narrow(1, start, n).copy_(x);
        }
        return model.Denormalize(clean.narrow(1, p, totalFrames - p).squeeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Editing: keeps <paramref name="latents"/> [N, C] outside frames spanStart..spanEnd-1 and regenerates that span
    /// (from the block boundary at or before spanStart) for <paramref name="textIds"/>, the full new transcript, its tokens
    /// at <paramref name="textFrames"/> when given. With <paramref name="fillInMiddle"/> (a model trained so) the frames from
    /// spanEnd on are context the span is generated to fit; without, the span follows the left context alone and what
    /// comes after is pasted back. Returns the whole edited sequence [N, C].
    /// </summary>
    public Tensor Edit(int[] textIds, Tensor latents, int spanStart, int spanEnd, ArditSamplingOptions options, bool fillInMiddle = false, double[]? textFrames = null)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(options);
        int total = (int)latents.shape[0];
        if (spanStart < 0 || spanEnd <= spanStart || spanEnd > total)
            throw new ArgumentException($"The edited span {spanStart}..{spanEnd} must be a non-empty range inside 0..{total}.");
        int keep = EditStart(spanStart, options);
        using var scope = NewDisposeScope();
        var prefix = latents.narrow(0, 0, keep);
        var suffix = latents.narrow(0, spanEnd, total - spanEnd);
        var blocks = Blocks(textIds, total, keep > 0 ? prefix : null, options, fillInMiddle ? null : spanEnd, textFrames: textFrames,
            suffix: fillInMiddle && spanEnd < total ? suffix : null).ToList();
        try { return cat([prefix.to(blocks[0].Latents.device), .. blocks.Select(x => x.Latents), suffix.to(blocks[0].Latents.device)], 0).MoveToOuterDisposeScope(); }
        finally { foreach (var x in blocks) x.Dispose(); }
    }

    /// <summary>The first frame an edit of a span from <paramref name="spanStart"/> regenerates: the block boundary at or before it (the prefix is whole blocks).</summary>
    public int EditStart(int spanStart, ArditSamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int blockSize = options.BlockSize ?? model.Config.BlockSize;
        return spanStart / blockSize * blockSize;
    }

    /// <summary>A checked request: the text tensor, prefix frames, the stop frame, and the text frames and suffix as given.</summary>
    sealed record Context(Tensor Text, int Prefix, int Stop, double[]? TextFrames, Tensor? Suffix);

    Context Check(int[] textIds, int totalFrames, Tensor? prefix, ArditSamplingOptions options, int? stopFrame, double[]? textFrames = null, Tensor? suffix = null)
    {
        ArgumentNullException.ThrowIfNull(textIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (textIds.Length == 0) throw new ArgumentException("The text is empty: there is nothing to say.", nameof(textIds));
        if (textIds.Length > model.Config.MaxTextLength)
            throw new ArgumentException($"The text is {textIds.Length} tokens long; this model takes at most {model.Config.MaxTextLength}.", nameof(textIds));
        if (totalFrames <= 0 || totalFrames > model.Config.MaxFrames)
            throw new ArgumentOutOfRangeException(nameof(totalFrames), totalFrames, $"The duration must be 1..{model.Config.MaxFrames} latent frames.");
        int p = 0;
        if (prefix is not null)
        {
            if (prefix.dim() != 2 || prefix.shape[1] != model.Config.LatentDim)
                throw new ArgumentException($"Prefix latents must be [P, {model.Config.LatentDim}].", nameof(prefix));
            p = (int)prefix.shape[0];
            int blockSize = options.BlockSize ?? model.Config.BlockSize;
            if (p % blockSize != 0) throw new ArgumentException($"Prefix length {p} must be a multiple of the block size {blockSize}.", nameof(prefix));
            if (p >= totalFrames) throw new ArgumentException($"The prefix ({p} frames) leaves nothing to generate in {totalFrames} frames.", nameof(prefix));
        }
        int end = totalFrames;
        if (suffix is not null)
        {
            if (suffix.dim() != 2 || suffix.shape[1] != model.Config.LatentDim || suffix.shape[0] == 0)
                throw new ArgumentException($"Suffix latents must be [S, {model.Config.LatentDim}] with S > 0.", nameof(suffix));
            end = totalFrames - (int)suffix.shape[0];
            if (stopFrame is { } asked && asked != end) throw new ArgumentException($"With a suffix, generation stops where it starts (frame {end}), not at {asked}.", nameof(stopFrame));
        }
        int stop = stopFrame ?? end;
        if (stop <= p || stop > totalFrames) throw new ArgumentOutOfRangeException(nameof(stopFrame), stop, $"Generation must stop after frame {p} and by frame {end}.");
        if (textFrames is not null && textFrames.Length != textIds.Length) throw new ArgumentException($"Need one frame per text token ({textIds.Length}), got {textFrames.Length}.", nameof(textFrames));
        var text = tensor(textIds.Select(i => (long)i).ToArray(), [1, textIds.Length], device: model.Device);
        return new Context(text, p, stop, textFrames, suffix);
    }
}
