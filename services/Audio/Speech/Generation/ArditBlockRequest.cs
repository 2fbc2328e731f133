using System.Threading.Channels;
using Media.Modeling.Diffusion;
using Media.Modeling.Serving;
using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// One utterance served by <see cref="ArditBlockStepper"/>: its text, duration, prefix and sampler settings, and while it
/// runs its own seeded generator, clean-context cache (a slot of the stepper's storage), current noisy block and flow
/// sampler. Each scheduler step advances its block by one ODE step (batched with the other blocks of the same block size); a finished block goes out through
/// <see cref="Blocks"/>, to be decoded by the caller while later blocks are sampled.
/// </summary>
public sealed class ArditBlockRequest : GroupedRequest
{
    // Synchronous continuations: the reader is a blocking enumerable whose continuation only sets an event, so the
    // stepping thread wakes it directly instead of queueing that to a thread pool busy with other blocked callers.
    readonly Channel<LatentBlock> blocks = Channel.CreateUnbounded<LatentBlock>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });

    internal ArditBlockRequest(int[] textIds, int totalFrames, Tensor? prefix, ArditSamplingOptions options, int blockSize, int stopFrame,
        double[]? textFrames = null, Tensor? suffix = null)
    {
        TextFrames = textFrames;
        Suffix = suffix;
        End = totalFrames - (int)(suffix?.shape[0] ?? 0);
        TextIds = textIds;
        TotalFrames = totalFrames;
        Prefix = prefix;
        Options = options;
        BlockSize = blockSize;
        StopFrame = stopFrame;
        Start = prefix is null ? 0 : (int)prefix.shape[0];
    }

    internal int[] TextIds { get; }

    internal int TotalFrames { get; }

    /// <summary>Where each text token sits (null: the model places them).</summary>
    internal double[]? TextFrames { get; }

    /// <summary>Clean data-space suffix [S, C] after the span (owned; fill-in-the-middle), or null.</summary>
    internal Tensor? Suffix { get; private set; }

    /// <summary>Where blocks end: the suffix's first frame, or the utterance's end.</summary>
    internal int End { get; }

    /// <summary>Clean data-space prefix [P, C] (owned: a detached copy), or null.</summary>
    internal Tensor? Prefix { get; private set; }

    internal ArditSamplingOptions Options { get; }

    internal int BlockSize { get; }

    internal int StopFrame { get; }

    /// <summary>First frame of the block being sampled.</summary>
    internal int Start { get; set; }

    /// <summary>Frames of the block being sampled (the last block may be short).</summary>
    internal int Length => Math.Min(BlockSize, End - Start);

    internal Generator? Generator { get; set; }

    internal ArditContextCache? Cache { get; set; }

    internal IReadOnlyList<double>? Schedule { get; set; }

    /// <summary>The block's latents x_t [1, n, C] (model space) at the sampler's time; detached, owned here.</summary>
    internal Tensor? Latents { get; set; }

    internal FlowSampler? Sampler { get; set; }

    /// <summary>The last finished block [1, B, C] (model space; owned), appended to the cache in the next step's forward pass; null when none waits.</summary>
    internal Tensor? Pending { get; set; }

    /// <summary>
    /// Finished blocks in order; completed when the request leaves the scheduler. Read it from a thread of its own (as
    /// <see cref="ArditSynthesizer.Blocks"/> does) or after the scheduler is done: a continuation may run on the stepping thread.
    /// </summary>
    public ChannelReader<LatentBlock> Blocks => blocks.Reader;

    internal ChannelWriter<LatentBlock> Output => blocks.Writer;

    /// <inheritdoc/>
    /// <remarks>Blocks of one block size stack into one batched forward pass (a short last block padded).</remarks>
    public override object BatchKey => BlockSize;

    /// <inheritdoc/>
    public override bool IsDone => Start >= StopFrame;

    /// <summary>Frees the generator, cache, block and sampler.</summary>
    internal void Free()
    {
        Prefix?.Dispose();
        Prefix = null;
        Suffix?.Dispose();
        Suffix = null;
        Latents?.Dispose();
        Latents = null;
        Sampler?.Dispose();
        Sampler = null;
        Pending?.Dispose();
        Pending = null;
        Cache?.Dispose();
        Cache = null;
        Generator?.Dispose();
        Generator = null;
    }
}
