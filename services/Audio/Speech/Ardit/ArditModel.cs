using Media.Modeling.Devices;
using TorchSharp;
using TorchSharp.Modules;
using Media.Modeling.Checkpoints;
using Media.Modeling.Diffusion;
using Media.Modeling.Layers;
using Media.Modeling.Transformers;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Services.Audio.Speech.Ardit;

/// <summary>
/// ARDiT (arXiv 2406.05551): one decoder-only transformer over <c>[text tokens | audio latents]</c>. Training sees
/// the clean latent sequence and a noisy copy under the block-causal mask of <see cref="ArditAttentionMask"/> and
/// regresses the flow-matching velocity of each noisy block of B frames; generation produces one block at a time,
/// integrating the flow ODE against a cache of the text and the clean blocks so far. The total number of frames is
/// an input: every latent position carries the embedding of its progress j / N through the utterance, and every
/// text token the embedding of its progress (i + 1/2) / L through the text, from the same embedder. That shared
/// scale is an alignment prior the paper does not need at its size: a frame can find the characters it speaks by
/// matching progress, where a model this small (trained for an hour on two cores) learned no alignment without it.
/// Text tokens also sit on the frame axis for RoPE: at a uniform rate, or (config "aligned") at the frames where the
/// characters are spoken — recognizer alignments in training, the model's own <see cref="TextTimingPredictor"/>
/// (key prefix <c>timing.</c>) in generation.
/// Latents enter and leave in the model's normalised space (<see cref="Normalize"/>, <see cref="Denormalize"/>).
/// </summary>
public sealed class ArditModel : nn.Module<Tensor, Tensor>
{
    readonly Embedding text_embeddings;
    readonly Linear clean_proj;
    readonly Linear noisy_proj;
    readonly Embedding kind_embeddings;
#pragma warning disable IDE1006 // the checkpoint key is t_embedder (DiT's name); the analyzer reads t_ as a prefix
    readonly TimestepEmbedder t_embedder;
#pragma warning restore IDE1006
    readonly TimestepEmbedder progress_embedder;
    readonly ModuleList<DiTBlock> layers;
    readonly RmsNorm final_norm;
    readonly Sequential final_modulation;
    readonly Linear final_layer;
    readonly Tensor latent_mean;
    readonly Tensor latent_std;
    readonly RotaryEmbedding rope;
    readonly TextTimingPredictor? timing;

    /// <summary>Flow and progress values are scaled by this before their sinusoidal embedding (DiT's timestep range).</summary>
    const double EmbeddingScale = 1000;

    /// <summary>
    /// Renames the keys of checkpoints written before ARDiT's layers became the shared <see cref="DiTBlock"/>
    /// (<c>attention_norm</c>, <c>attention</c>, <c>ffn_norm</c>, <c>feed_forward</c>), such as the committed voice's; current keys pass unchanged.
    /// </summary>
    public static KeyRenameTable CheckpointRenames => new KeyRenameTable()
        .Add(@"^layers\.(\d+)\.attention_norm\.", "layers.$1.norm1.")
        .Add(@"^layers\.(\d+)\.attention\.", "layers.$1.attn.")
        .Add(@"^layers\.(\d+)\.ffn_norm\.", "layers.$1.norm2.")
        .Add(@"^layers\.(\d+)\.feed_forward\.", "layers.$1.mlp.");

    /// <summary>A randomly initialised model (seed with <c>torch.manual_seed</c> for repeatable weights).</summary>
    public ArditModel(ArditConfig config) : base(nameof(ArditModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        text_embeddings = nn.Embedding(config.VocabSize, config.Dim);
        clean_proj = nn.Linear(config.LatentDim, config.Dim);
        noisy_proj = nn.Linear(config.LatentDim, config.Dim);
        kind_embeddings = nn.Embedding(3, config.Dim);
        t_embedder = new TimestepEmbedder(config.Dim);
        progress_embedder = new TimestepEmbedder(config.Dim);
        layers = nn.ModuleList(Enumerable.Range(0, config.NLayer).Select(_ => new DiTBlock(config.BlockOptions)).ToArray());
        foreach (var layer in layers) layer.ZeroInitializeModulation();
        final_norm = new RmsNorm(config.Dim, config.NormEps);
        var modulation = nn.Linear(config.Dim, 2L * config.Dim);
        final_layer = nn.Linear(config.Dim, config.LatentDim);
        using (no_grad())
        {
            modulation.weight!.zero_();
            modulation.bias!.zero_();
            final_layer.weight!.zero_();
            final_layer.bias!.zero_();
        }
        final_modulation = nn.Sequential(nn.SiLU(), modulation);
        latent_mean = zeros(config.LatentDim);
        latent_std = ones(config.LatentDim);
        rope = new RotaryEmbedding(RotarySpec.OneD(), config.HeadDim, config.MaxPositions, config.RopeBase);
        timing = config.IsAligned ? new TextTimingPredictor(config.VocabSize) : null;
        RegisterComponents();
    }

    /// <summary>The shape this model was built with.</summary>
    public ArditConfig Config { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device => final_layer.weight!.device;

    /// <summary>Sets the per-dimension statistics that map data latents to the model's unit-scale space.</summary>
    public void SetLatentStatistics(Tensor mean, Tensor std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.numel() != Config.LatentDim || std.numel() != Config.LatentDim)
            throw new ArgumentException($"Latent statistics must have {Config.LatentDim} values.");
        using var noGrad = no_grad();
        latent_mean.copy_(mean.reshape(-1));
        latent_std.copy_(std.reshape(-1).ClampMin(1e-5));
    }

    /// <summary>Data latents [..., C] to the model's space.</summary>
    public Tensor Normalize(Tensor latents) => (latents - latent_mean.to(latents.device)) / latent_std.to(latents.device);

    /// <summary>Model-space latents [..., C] back to data latents.</summary>
    public Tensor Denormalize(Tensor latents) => latents * latent_std.to(latents.device) + latent_mean.to(latents.device);

    /// <summary>Module contract: not used (ARDiT needs text, latents and times; see <see cref="Velocity"/>).</summary>
    public override Tensor forward(Tensor input) => throw new InvalidOperationException("Call ArditModel.Velocity or Loss: ARDiT needs text, latents and flow times.");

    /// <summary>
    /// Full forward of the training layout: text [R, L] (ids, padded), clean and noisy latents [R, N, C] (model space,
    /// padded), flow times per frame [R, N] (constant within a block). Returns the predicted velocity [R, N, C] of the noisy copy.
    /// <paramref name="blockSize"/> overrides the configured B (one model can be trained for several);
    /// <paramref name="textFrames"/> (per row, the frame of each text token) overrides <see cref="TextFrames"/>;
    /// <paramref name="suffixStarts"/> (per row) keeps the clean frames from there on as a fill-in-the-middle suffix (see <see cref="ArditAttentionMask"/>).
    /// </summary>
    public Tensor Velocity(Tensor text, long[] textLengths, Tensor clean, Tensor noisy, Tensor times, long[] frameLengths, int? blockSize = null, double[][]? textFrames = null, long[]? suffixStarts = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(textLengths);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(noisy);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(frameLengths);
        CheckIds(text);
        using var scope = NewDisposeScope();
        var device = Device;
        long rows = text.shape[0], l = text.shape[1], n = clean.shape[1];
        var totals = tensor(frameLengths, device: device).ClampMin(1L);
        var progress = Progress(arange(n, device: device).unsqueeze(0).expand(rows, n), totals.unsqueeze(1));
        var spoken = textFrames ?? TextFrames(text, textLengths, frameLengths);
        var x = cat([text_embeddings.call(text.to(device)) + TextProgress(spoken, frameLengths, l),
                     clean_proj.call(Weights(clean)) + progress,
                     noisy_proj.call(Weights(noisy)) + progress], 1);
        var c = cat([Kind(ArditTokenKind.Text, rows, l), Kind(ArditTokenKind.Clean, rows, n),
                     Kind(ArditTokenKind.Noisy, rows, n) + TimeEmbedding(times.to(device))], 1);
        var mask = ArditAttentionMask.Build(textLengths, frameLengths, l, n, blockSize ?? Config.BlockSize, device, suffixStarts);
        var (cos, sin) = rope.At(ArditAttentionMask.Positions(textLengths, frameLengths, l, n, device, spoken));
        var inputs = new AttentionInputs { Rope = rope, Cos = cos, Sin = sin, Mask = mask };
        foreach (var layer in layers) x = layer.Run(x, c, inputs: inputs).Output;
        return Output(x.narrow(1, l + n, n), c.narrow(1, l + n, n)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Flow-matching loss of a batch (data-space latents [R, N, C], padded): one flow time per block of B frames,
    /// x_t = t x1 + (1 - t) x0, mean squared velocity error over the real frames (before the suffix, for a row given a
    /// fill-in-the-middle <paramref name="suffixStarts"/>).
    /// </summary>
    public Tensor Loss(Tensor text, long[] textLengths, Tensor latents, long[] frameLengths, Generator? generator = null, int? blockSize = null, double[][]? textFrames = null, long[]? suffixStarts = null)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(frameLengths);
        using var scope = NewDisposeScope();
        var device = Device;
        long rows = latents.shape[0], n = latents.shape[1];
        var x1 = Normalize(latents.to(device));
        long b = blockSize ?? Config.BlockSize;
        long blocks = (n + b - 1) / b;
        var blockTimes = rand([rows, blocks], generator: generator).to(device);
        var times = blockTimes.repeat_interleave(b, dim: 1).narrow(1, 0, n);
        var x0 = randn(x1.shape, generator: generator).to(device);
        var xt = FlowMatching.Interpolate(x0, x1, times);
        var predicted = Velocity(text, textLengths, x1, xt, times, frameLengths, (int)b, textFrames, suffixStarts);
        var ends = suffixStarts is null ? frameLengths : [.. frameLengths.Zip(suffixStarts, Math.Min)];
        var valid = arange(n, device: device).unsqueeze(0).lt(tensor(ends, device: device).unsqueeze(1)).to(ScalarType.Float32);
        var perFrame = (predicted - FlowMatching.VelocityTarget(x0, x1)).square().mean([-1]);
        return ((perFrame * valid).sum() / valid.sum().ClampMin(1.0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Positions past the longest context a slot keeps room for: a pass with a finished block writes it and the next noisy
    /// block there, each padded to the longer of the two (2 x that length), the noisy one as scratch.
    /// </summary>
    const int ScratchPositions = 2 * MaxBatchedBlockSize;

    /// <summary>The longest block a batched step takes (its padded clean and noisy blocks must fit a slot's scratch room).</summary>
    public const int MaxBatchedBlockSize = 32;

    /// <summary>
    /// Shared storage for <paramref name="slots"/> utterances' contexts (<see cref="StartContext"/>), on the weights' device and
    /// dtype: utterances in one slot storage step together without copying their contexts (<see cref="AppendCleanAndVelocityCached"/>).
    /// </summary>
    public KvCache CreateContextSlots(int slots)
    {
        var weight = final_layer.weight!;
        return new KvCache(Config.NLayer, slots, Config.NHead, Config.MaxPositions + ScratchPositions, Config.HeadDim, weight.device, weight.dtype);
    }

    /// <summary>
    /// Starts cached generation: encodes the text [1, L] (ids) of an utterance of <paramref name="totalFrames"/> frames,
    /// its tokens at <paramref name="textFrames"/> when given, else at <see cref="TextFrames"/>, into a slot of
    /// <paramref name="slots"/> (<see cref="CreateContextSlots"/>; null: storage of the cache's own).
    /// </summary>
    public ArditContextCache StartContext(Tensor text, int totalFrames, double[]? textFrames = null, KvCache? slots = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckIds(text);
        if (text.dim() != 2 || text.shape[0] != 1 || text.shape[1] == 0) throw new ArgumentException("Cached generation takes one non-empty text row [1, L].", nameof(text));
        if (text.shape[1] > Config.MaxTextLength) throw new ArgumentException($"The text has {text.shape[1]} tokens; this model takes at most {Config.MaxTextLength}.", nameof(text));
        if (totalFrames <= 0 || totalFrames > Config.MaxFrames) throw new ArgumentOutOfRangeException(nameof(totalFrames), totalFrames, $"The duration must be 1..{Config.MaxFrames} latent frames.");
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        long l = text.shape[1];
        if (textFrames is not null && textFrames.Length != l) throw new ArgumentException($"Need one frame per text token ({l}), got {textFrames.Length}.", nameof(textFrames));
        var cache = slots is null ? new ArditContextCache(CreateContextSlots(1), true, (int)l, totalFrames) : new ArditContextCache(slots, false, (int)l, totalFrames);
        try
        {
            var spoken = textFrames is null ? TextFrames(text, [l], [totalFrames]) : [textFrames];
            var x = text_embeddings.call(text.to(Device)) + TextProgress(spoken, [totalFrames], l);
            var c = Kind(ArditTokenKind.Text, 1, l);
            var positions = ArditAttentionMask.Positions([l], [totalFrames], l, 0, Device, spoken);
            Run(x, c, cache, positions, store: true);
            return cache;
        }
        catch
        {
            cache.Dispose();   // gives a shared slot back
            throw;
        }
    }

    /// <summary>
    /// Fill-in-the-middle (editing): encodes the clean suffix [1, S, C] (model space) that ends the utterance, frames
    /// <c>TotalFrames - S</c> on, into the cache right after the text, so every block generated before it sees what follows
    /// (the suffix frames see the text and each other: <see cref="ArditAttentionMask"/>'s suffix rows). Once, before any
    /// clean block; blocks then stop at the suffix (the last may be short).
    /// </summary>
    public void AppendSuffix(ArditContextCache cache, Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(latents);
        if (cache.SuffixStart < cache.TotalFrames || cache.CleanFrames > 0) throw new InvalidOperationException("The suffix goes into the cache once, before any clean block.");
        int first = cache.TotalFrames - (int)latents.shape[1];
        if (first <= 0) throw new ArgumentException($"A suffix of {latents.shape[1]} frames leaves nothing to generate in {cache.TotalFrames}.", nameof(latents));
        CheckBlock(cache, latents, first);
        StoreClean(cache, latents, first);
        cache.SuffixStart = first;
    }

    /// <summary>Runs clean latents [1, n, C] at frames firstFrame.. through every layer, keeping their keys and values in the cache.</summary>
    void StoreClean(ArditContextCache cache, Tensor latents, int firstFrame)
    {
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        long n = latents.shape[1];
        var x = clean_proj.call(Weights(latents)) + FrameProgress(firstFrame, n, cache.TotalFrames);
        Run(x, Kind(ArditTokenKind.Clean, 1, n), cache, FramePositions(firstFrame, n), store: true);
    }

    /// <summary>Appends clean latents [1, n, C] (model space) starting at frame <paramref name="firstFrame"/> as context; n is one block or less at the end.</summary>
    public void AppendClean(ArditContextCache cache, Tensor latents, int firstFrame)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(latents);
        CheckBlock(cache, latents, firstFrame);
        if (firstFrame != cache.CleanFrames) throw new ArgumentException($"The cache holds {cache.CleanFrames} clean frames; the next block must start there, not at {firstFrame}.", nameof(firstFrame));
        StoreClean(cache, latents, firstFrame);
        cache.CleanFrames += (int)latents.shape[1];
    }

    /// <summary>Velocity [1, n, C] of the noisy block x_t [1, n, C] at flow time <paramref name="t"/>, starting at frame <paramref name="firstFrame"/>, given the cached context.</summary>
    public Tensor VelocityCached(ArditContextCache cache, Tensor xt, double t, int firstFrame)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(xt);
        CheckBlock(cache, xt, firstFrame);
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        long n = xt.shape[1];
        var x = noisy_proj.call(Weights(xt)) + FrameProgress(firstFrame, n, cache.TotalFrames);
        // One condition for the block (DiT's [B, D]): its frames share kind and time, so adaLN runs once, not per frame.
        var c = (Kind(ArditTokenKind.Noisy, 1, 1) + TimeEmbedding(full([1, 1], t, device: Device))).squeeze(1);
        var h = Run(x, c, cache, FramePositions(firstFrame, n), store: false);
        return Output(h, c).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="AppendClean"/> of the finished block <paramref name="clean"/> [1, m, C] at <paramref name="cleanStart"/> and
    /// <see cref="VelocityCached(ArditContextCache, Tensor, double, int)"/> of the next block x_t [1, n, C] at
    /// <paramref name="firstFrame"/>, in one forward pass: the clean frames attend to the cache and to themselves, the noisy
    /// ones to the cache, the clean block and themselves — the training layout's mask over the two blocks, as one row of
    /// m + n tokens. The same results as the two calls, and as <see cref="AppendCleanAndVelocityCached"/>, within float
    /// rounding, for one call instead of two per block (half the calls of one-step sampling).
    /// </summary>
    public Tensor AppendCleanAndVelocity(ArditContextCache cache, Tensor clean, int cleanStart, Tensor xt, double t, int firstFrame)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(xt);
        if (cleanStart != cache.CleanFrames) throw new ArgumentException($"The cache holds {cache.CleanFrames} clean frames; the next block must start there, not at {cleanStart}.", nameof(cleanStart));
        CheckBlock(cache, clean, cleanStart);
        CheckBlock(cache, xt, firstFrame);
        CheckFollows(firstFrame, cleanStart + clean.shape[1], nameof(firstFrame));
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        // One row of m + n tokens, the training layout over the two blocks: one slot read in place and one attention call,
        // where the batched layout (each block a row of its own) reads one slot twice. The clean frames' condition is their
        // kind, the noisy ones' kind and flow time, so adaLN runs per token here (m + n tokens: cheap for one row).
        long m = clean.shape[1], n = xt.shape[1];
        var positions = cat([FramePositions(cleanStart, m), FramePositions(firstFrame, n)], 1);
        var x = cat([clean_proj.call(Weights(clean)), noisy_proj.call(Weights(xt))], 1)
            + Progress(positions, full([1, 1], (long)cache.TotalFrames, dtype: ScalarType.Int64, device: Device));
        var noisyCondition = Kind(ArditTokenKind.Noisy, 1, 1) + TimeEmbedding(full([1, 1], t, device: Device));
        var c = cat([Kind(ArditTokenKind.Clean, 1, 1).expand(1, m, -1), noisyCondition.expand(1, n, -1)], 1);
        // The clean frames see the context and their own block; the noisy ones everything written, themselves included.
        long past = cache.Length, keyLength = past + m + n;
        var seen = arange(keyLength, device: Device).view(1, -1).lt(past + m).logical_or(arange(m + n, device: Device).view(-1, 1).ge(m));
        var h = Run(x, c, cache, positions, store: false, mask: seen.view(1, 1, m + n, keyLength));
        cache.Length += (int)m;
        cache.CleanFrames += (int)m;
        return Output(h.narrow(1, m, n), noisyCondition.squeeze(1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Velocities [R, n, C] of R noisy blocks x_t [R, n, C] of R utterances in one forward pass (batched serving): row r
    /// at flow time <paramref name="times"/>[r], starting at frame <paramref name="firstFrames"/>[r], attending to its own
    /// <paramref name="caches"/>[r], all in one slot storage (<see cref="CreateContextSlots"/>). The contexts differ in length;
    /// each row reads its own slot up to the longest and the rest is masked out, so each row's result equals
    /// <see cref="VelocityCached(ArditContextCache, Tensor, double, int)"/> alone within float rounding.
    /// </summary>
    public Tensor VelocityCached(IReadOnlyList<ArditContextCache> caches, Tensor xt, IReadOnlyList<double> times, IReadOnlyList<int> firstFrames)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(firstFrames);
        if (caches.Count == 1 && times.Count == 1 && firstFrames.Count == 1) return VelocityCached(caches[0], xt, times[0], firstFrames[0]);
        return AppendCleanAndVelocityCached(caches, new Tensor?[caches.Count], xt, times, firstFrames);
    }

    /// <summary>
    /// The batched <see cref="AppendCleanAndVelocity"/>: row r first appends its finished block <paramref name="clean"/>[r]
    /// [1, m_r, C] (null: none) to its cache at the cache's clean frames, and in the same forward pass gives the velocity of
    /// its noisy block x_t[r] at <paramref name="times"/>[r] from <paramref name="firstFrames"/>[r]. The caches share one
    /// slot storage (<see cref="CreateContextSlots"/>), read in place. Clean blocks of different lengths are padded and
    /// masked, and so are noisy blocks: row r's first <paramref name="lengths"/>[r] frames are real (null: all), the rest
    /// padding whose velocities mean nothing, so a short last block steps with full ones. Each row equals its own calls
    /// alone within float rounding.
    /// </summary>
    public Tensor AppendCleanAndVelocityCached(IReadOnlyList<ArditContextCache> caches, IReadOnlyList<Tensor?> clean, Tensor xt, IReadOnlyList<double> times, IReadOnlyList<int> firstFrames,
        IReadOnlyList<int>? lengths = null)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(firstFrames);
        int rows = caches.Count;
        if (rows == 0 || xt.dim() != 3 || xt.shape[0] != rows || times.Count != rows || firstFrames.Count != rows || clean.Count != rows || (lengths is not null && lengths.Count != rows))
            throw new ArgumentException($"Need one cache, clean block (or null), time, first frame (and length) per row of x_t; got {rows} caches, {clean.Count} clean blocks, {times.Count} times, {firstFrames.Count} first frames for x_t [{string.Join(", ", xt.shape)}].");
        var storage = caches[0].Storage;
        if (caches.Any(c => !ReferenceEquals(c.Storage, storage)))
            throw new ArgumentException("Batched rows must share one slot storage (CreateContextSlots).", nameof(caches));
        long n = xt.shape[1];
        var cleanLengths = new long[rows];
        var noisyLengths = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            noisyLengths[r] = lengths?[r] ?? n;
            if (noisyLengths[r] < 1 || noisyLengths[r] > n) throw new ArgumentOutOfRangeException(nameof(lengths), $"Row {r}: a block of {n} frames has 1..{n} real ones, not {noisyLengths[r]}.");
            using var row = xt.narrow(0, r, 1).narrow(1, 0, noisyLengths[r]);
            CheckBlock(caches[r], row, firstFrames[r]);
            if (clean[r] is not { } block) continue;
            CheckBlock(caches[r], block, caches[r].CleanFrames);
            CheckFollows(firstFrames[r], caches[r].CleanFrames + block.shape[1], nameof(firstFrames), $"Row {r}: ");
            cleanLengths[r] = block.shape[1];
        }
        // One utterance left (a batch draining): its finished block and noisy block as one row, as alone.
        if (rows == 1 && clean[0] is { } only && noisyLengths[0] == n) return AppendCleanAndVelocity(caches[0], only, caches[0].CleanFrames, xt, times[0], firstFrames[0]);
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        // Finished blocks ride as rows of their own after the R noisy rows, [R + P, T, D] with T the longer block: a row
        // without one costs no padded clean frames, and every row has one condition (adaLN once per row).
        var pending = Enumerable.Range(0, rows).Where(r => clean[r] is not null).ToArray();
        int p = pending.Length;
        int[] utterance = [.. Enumerable.Range(0, rows), .. pending];   // each row's cache
        long t = Math.Max(n, p == 0 ? 0 : cleanLengths.Max());
        var device = Device;
        Tensor Rows(IEnumerable<long> values) => tensor(values.ToArray(), device: device).unsqueeze(1);
        Tensor Padded(Tensor block) => block.shape[1] == t ? block.to(device) : nn.functional.pad(block.to(device), [0, 0, 0, t - block.shape[1]]);
        var firsts = Rows(firstFrames.Select(f => (long)f).Concat(pending.Select(r => (long)caches[r].CleanFrames)));
        var positions = arange(t, device: device).unsqueeze(0) + firsts;
        var totals = Rows(utterance.Select(r => (long)caches[r].TotalFrames));
        var noisy = noisy_proj.call(Weights(Padded(xt)));
        var x = (p == 0 ? noisy : cat([noisy, clean_proj.call(Weights(cat([.. pending.Select(r => Padded(clean[r]!))], 0)))], 0)) + Progress(positions, totals);
        // Times as float32 before scaling, as the one-row path's full([1, 1], t) has them.
        var flowTimes = tensor(times.Select(time => (float)time).ToArray(), device: device).unsqueeze(1);
        var noisyCondition = (Kind(ArditTokenKind.Noisy, rows, 1) + TimeEmbedding(flowTimes)).squeeze(1);
        var c = p == 0 ? noisyCondition : cat([noisyCondition, Kind(ArditTokenKind.Clean, p, 1).squeeze(1)], 0);
        var (cos, sin) = rope.At(positions);
        // A clean row writes its block at its slot's end; its noisy row then writes after it (padding included), reading the
        // clean keys this pass wrote. A noisy row without a clean block writes at the end, as scratch.
        var pastLengths = caches.Select(cache => (long)cache.Length).ToArray();
        var noisyStarts = Enumerable.Range(0, rows).Select(r => pastLengths[r] + (clean[r] is null ? 0 : t)).ToArray();
        var starts = noisyStarts.Concat(pending.Select(r => pastLengths[r])).ToArray();
        long keyLength = starts.Max() + t;
        using var write = new KvCacheWrite(storage, [.. utterance.Select(r => caches[r].Slot)], [.. starts.Select(v => (int)v)], (int)t, keyLength);
        // Row keys seen: a noisy row its slot's past, its clean block's real frames and its own real frames; a clean row its
        // slot's past and its own real frames (all of them, the training layout's clean block).
        var key = arange(keyLength, device: device).view(1, 1, -1);
        var seenEnd = Rows(utterance.Select(r => pastLengths[r] + cleanLengths[r])).view(-1, 1, 1);
        var ownStart = Rows(noisyStarts.Concat(pending.Select(_ => 0L))).view(-1, 1, 1);
        var ownEnd = Rows(noisyLengths.Select((l, r) => noisyStarts[r] + l).Concat(pending.Select(_ => 0L))).view(-1, 1, 1);
        var mask = key.lt(seenEnd).logical_or(key.ge(ownStart).logical_and(key.lt(ownEnd))).unsqueeze(1);   // [R + P, 1, 1, keyLength]
        for (int i = 0; i < layers.Count; i++)
            x = layers[i].Run(x, c, inputs: new AttentionInputs { Rope = rope, Cos = cos, Sin = sin, Mask = mask, CacheWrite = write, CacheLayer = i }).Output;
        foreach (int r in pending)
        {
            caches[r].Length += (int)cleanLengths[r];
            caches[r].CleanFrames += (int)cleanLengths[r];
        }
        return Output(x.narrow(0, 0, rows).narrow(1, 0, n), noisyCondition).MoveToOuterDisposeScope();
    }

    /// <summary>Latents [..., C] onto the weights' device and dtype (float32, or bfloat16 under <c>Media:Torch:Dtype</c>).</summary>
    Tensor Weights(Tensor latents) => latents.to(Device).to_type(final_layer.weight!.dtype);

    Tensor FramePositions(int firstFrame, long n) => (arange(n, device: Device) + firstFrame).unsqueeze(0);

    /// <summary>One row through every layer, attending to its cached context and itself; its keys are kept when <paramref name="store"/>, else left as scratch.</summary>
    Tensor Run(Tensor x, Tensor c, ArditContextCache cache, Tensor positions, bool store, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = rope.At(positions);
        int n = (int)x.shape[1];
        using var write = new KvCacheWrite(cache.Storage, [cache.Slot], [cache.Length], n, cache.Length + n);
        for (int i = 0; i < layers.Count; i++)
            x = layers[i].Run(x, c, inputs: new AttentionInputs { Rope = rope, Cos = cos, Sin = sin, Mask = mask, CacheWrite = write, CacheLayer = i }).Output;
        if (store) cache.Length += n;
        return x.MoveToOuterDisposeScope();
    }

    Tensor Output(Tensor h, Tensor c)
    {
        var m = final_modulation.call(c).chunk(2, -1);
        // Velocities leave in float32 whatever the weights' dtype: the flow sampler integrates in float32.
        return final_layer.call(Modulation.Modulate(final_norm.call(h), m[0], m[1])).to_type(ScalarType.Float32);
    }

    Tensor Kind(ArditTokenKind kind, long rows, long length) =>
        kind_embeddings.call(full([rows, length], (long)kind, dtype: ScalarType.Int64, device: Device));

    Tensor TimeEmbedding(Tensor times)
    {
        long rows = times.shape[0], n = times.shape[1];
        return t_embedder.call((times.reshape(-1) * EmbeddingScale).to(ScalarType.Float32)).view(rows, n, -1);
    }

    Tensor Progress(Tensor frames, Tensor totals) => ProgressEmbedding(frames.to(ScalarType.Float32) / totals.to(ScalarType.Float32));

    /// <summary>The shared progress embedder over fractions [rows, n] in [0, 1]: frames and text tokens on one scale.</summary>
    Tensor ProgressEmbedding(Tensor fraction) =>
        progress_embedder.call(fraction.reshape(-1) * EmbeddingScale).view(fraction.shape[0], fraction.shape[1], -1);

    /// <summary>Progress (frame / N, at most 1) of each text token spoken at <paramref name="textFrames"/>, padded to <paramref name="width"/> (padding, at 0, is masked out).</summary>
    Tensor TextProgress(double[][] textFrames, long[] frameLengths, long width)
    {
        var fraction = new float[textFrames.Length * width];
        for (int r = 0; r < textFrames.Length; r++)
            for (int i = 0; i < textFrames[r].Length; i++)
                fraction[r * width + i] = (float)Math.Min(textFrames[r][i] / Math.Max(frameLengths[r], 1), 1);
        return ProgressEmbedding(tensor(fraction, [textFrames.Length, width], device: Device));
    }

    /// <summary>
    /// Where the model puts each text token (fractional latent frame) when not told: at a uniform rate, or for an
    /// aligned model where its timing predictor expects the character, scaled to each row's <paramref name="frameLengths"/>.
    /// </summary>
    public double[][] TextFrames(Tensor text, long[] textLengths, long[] frameLengths)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(textLengths);
        ArgumentNullException.ThrowIfNull(frameLengths);
        if (timing is not null) return timing.Predict(text.to(Device), textLengths, frameLengths);
        return [.. textLengths.Select((l, r) => Enumerable.Range(0, (int)l).Select(i => ArditAttentionMask.UniformTextFrame(i, l, frameLengths[r])).ToArray())];
    }

    /// <summary>
    /// The timing predictor's loss on recognizer-aligned <paramref name="textFrames"/> (zero for a uniform model, which has none):
    /// trained beside the flow loss.
    /// </summary>
    public Tensor TimingLoss(Tensor text, long[] textLengths, double[][] textFrames, long[] frameLengths) =>
        timing is null ? zeros([], device: Device) : timing.Loss(text.to(Device), textLengths, textFrames, frameLengths);

    Tensor FrameProgress(int firstFrame, long n, int totalFrames) =>
        Progress((arange(n, device: Device) + firstFrame).unsqueeze(0), full([1, 1], (long)totalFrames, dtype: ScalarType.Int64, device: Device));

    void CheckBlock(ArditContextCache cache, Tensor latents, int firstFrame)
    {
        if (latents.dim() != 3 || latents.shape[0] != 1 || latents.shape[2] != Config.LatentDim || latents.shape[1] == 0)
            throw new ArgumentException($"A block must be [1, n, {Config.LatentDim}], got [{string.Join(", ", latents.shape)}].", nameof(latents));
        if (firstFrame < 0 || firstFrame + latents.shape[1] > cache.TotalFrames)
            throw new ArgumentException($"Frames {firstFrame}..{firstFrame + latents.shape[1] - 1} fall outside the utterance's {cache.TotalFrames} frames.", nameof(firstFrame));
        if (firstFrame < cache.SuffixStart && firstFrame + latents.shape[1] > cache.SuffixStart)
            throw new ArgumentException($"Frames {firstFrame}..{firstFrame + latents.shape[1] - 1} run into the suffix, which starts at frame {cache.SuffixStart}.", nameof(firstFrame));
    }

    // The noisy block is generated after the finished one it is paired with: it may not start inside it.
    static void CheckFollows(long firstFrame, long cleanEnd, string parameter, string row = "")
    {
        if (firstFrame < cleanEnd)
            throw new ArgumentException($"{row}{(row.Length == 0 ? "The" : "the")} noisy block at frame {firstFrame} must follow the clean block ending at {cleanEnd}.", parameter);
    }

    void CheckIds(Tensor text) => TokenIdRange.Check(text, Config.VocabSize, "Text ids", nameof(text));
}
