using Media.Modeling.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image;

/// <summary>
/// LlamaGen's VectorQuantizer: encoder outputs and codes L2-normalised, nearest code by squared
/// distance, straight-through estimator, codebook loss + beta-weighted commitment loss (+ optional
/// entropy loss), and the `codebook_used` ring buffer of the last 65536 code ids. Adds dead-code
/// restart: codes unused since the last restart are re-initialised from random encoder outputs.
/// </summary>
public sealed class VectorQuantizer : nn.Module<Tensor, QuantizerOutput>
{
    /// <summary>Length of the `codebook_used` ring buffer (LlamaGen's constant).</summary>
    public const int UsageWindow = 65536;

    readonly Embedding embedding;
    readonly Tensor? codebook_used;
    readonly UsageCounter usage = new();
    readonly int codebookSize;
    readonly int dim;
    readonly double beta;
    readonly double entropyLossRatio;
    readonly bool l2Normalize;

    /// <summary>A quantizer with the codebook settings of <paramref name="config"/>.</summary>
    public VectorQuantizer(VqConfig config) : base(nameof(VectorQuantizer))
    {
        ArgumentNullException.ThrowIfNull(config);
        codebookSize = config.CodebookSize;
        dim = config.CodebookDim;
        beta = config.CommitmentBeta;
        entropyLossRatio = config.EntropyLossRatio;
        l2Normalize = config.L2Normalize;
        embedding = nn.Embedding(codebookSize, dim);
        using (no_grad())
        {
            embedding.weight!.uniform_(-1.0 / codebookSize, 1.0 / codebookSize);
            if (l2Normalize) embedding.weight.copy_(nn.functional.normalize(embedding.weight, p: 2, dim: -1));
        }
        if (config.ShowUsage) codebook_used = zeros(UsageWindow);
        RegisterComponents();
    }

    /// <summary>Number of codes.</summary>
    public int CodebookSize => codebookSize;

    /// <summary>The codes as the search sees them: [N, D], normalised when the config says so.</summary>
    public Tensor Codebook() => l2Normalize ? nn.functional.normalize(embedding.weight!, p: 2, dim: -1) : embedding.weight!.alias();

    /// <inheritdoc />
    public override QuantizerOutput forward(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.dim() != 4 || z.shape[1] != dim)
            throw new ArgumentException($"Expected encoder outputs [B, {dim}, H, W], got [{string.Join(", ", z.shape)}].", nameof(z));
        using var scope = NewDisposeScope();
        var zt = z.permute(0, 2, 3, 1).contiguous(); // [B, H, W, D]
        if (l2Normalize) zt = nn.functional.normalize(zt, p: 2, dim: -1);
        var flat = zt.reshape(-1, dim);
        var codes = Codebook();

        // |z - e|^2 = |z|^2 + |e|^2 - 2 z.e
        var distances = flat.square().sum(1, keepdim: true) + codes.square().sum(1) - 2 * flat.matmul(codes.t());
        var indices = distances.argmin(1);
        var zq = codes.index_select(0, indices).view(zt.shape);

        var codebookLoss = (zq - zt.detach()).square().mean();
        var commitmentLoss = beta * (zq.detach() - zt).square().mean();
        var entropyLoss = entropyLossRatio == 0 ? zeros([], device: z.device) : entropyLossRatio * EntropyLoss(distances.neg());

        var straightThrough = zt + (zq - zt).detach();
        var histogram = indices.bincount(null, codebookSize).to_type(ScalarType.Float32);
        var p = histogram / indices.shape[0];
        double perplexity = p.mul(p.add(1e-10).log()).sum().neg().exp().item<float>();
        double batchUsage = histogram.gt(0).sum().item<long>() / (double)codebookSize;

        if (training)
        {
            using (no_grad())
            {
                RecordUsage(indices);
                usage.Add(histogram);
            }
        }

        var output = new QuantizerOutput(
            straightThrough.permute(0, 3, 1, 2).contiguous(),
            indices.view(z.shape[0], z.shape[2], z.shape[3]),
            codebookLoss, commitmentLoss, entropyLoss, perplexity, batchUsage).MoveToOuterDisposeScope();
        return output;
    }

    /// <summary>Codes for ids [B, H, W] as a latent [B, D, H, W].</summary>
    public Tensor Lookup(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.dim() != 3) throw new ArgumentException($"Expected ids [B, H, W], got [{string.Join(", ", indices.shape)}].", nameof(indices));
        using var scope = NewDisposeScope();
        var min = indices.min().item<long>();
        var max = indices.max().item<long>();
        if (min < 0 || max >= codebookSize) throw new ArgumentOutOfRangeException(nameof(indices), $"Code ids lie in 0..{codebookSize - 1}; got {min}..{max}.");
        var codes = Codebook().index_select(0, indices.reshape(-1));
        return codes.view(indices.shape[0], indices.shape[1], indices.shape[2], dim).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>LlamaGen's codebook usage: distinct ids among the last 65536 assigned (the zero-initialised buffer counts id 0 until it fills).</summary>
    public double RecentUsage()
    {
        if (codebook_used is null) throw new InvalidOperationException("This quantizer does not show usage (ShowUsage is off).");
        using var scope = NewDisposeScope();
        return codebook_used.unique().Item1.numel() / (double)codebookSize;
    }

    /// <summary>How often each code was picked in training since the last restart, [N].</summary>
    public Tensor UsageSinceRestart() => usage.Counts(codebookSize, embedding.weight!.device).clone();

    /// <summary>
    /// Re-initialises every code not picked in training since the last restart with a random one of
    /// <paramref name="encoderOutputs"/> ([B, D, H, W], the quant_conv outputs of a recent batch),
    /// normalised like the search sees it, then resets the usage counts. Returns how many codes moved.
    /// Optimizer state for the moved rows is left as is; it decays within a few steps.
    /// </summary>
    public int RestartDeadCodes(Tensor encoderOutputs, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(encoderOutputs);
        if (encoderOutputs.dim() != 4 || encoderOutputs.shape[1] != dim)
            throw new ArgumentException($"Expected encoder outputs [B, {dim}, H, W], got [{string.Join(", ", encoderOutputs.shape)}].", nameof(encoderOutputs));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = embedding.weight!;
        var dead = usage.Counts(codebookSize, weight.device).eq(0).nonzero().squeeze(1);
        int count = (int)dead.numel();
        usage.Reset();
        if (count == 0) return 0;
        var candidates = encoderOutputs.detach().permute(0, 2, 3, 1).reshape(-1, dim).to(weight.device);
        if (l2Normalize) candidates = nn.functional.normalize(candidates, p: 2, dim: -1);
        var picks = SeededRandom.Integers(candidates.shape[0], [count], weight.device, generator);
        weight.index_copy_(0, dead, candidates.index_select(0, picks).to_type(weight.dtype));
        return count;
    }

    void RecordUsage(Tensor indices)
    {
        if (codebook_used is null) return;
        var recent = indices.to_type(codebook_used.dtype);
        if (recent.shape[0] >= UsageWindow)
        {
            codebook_used.copy_(recent.slice(0, recent.shape[0] - UsageWindow, recent.shape[0], 1));
            return;
        }
        var rolled = cat([codebook_used.slice(0, recent.shape[0], UsageWindow, 1), recent]);
        codebook_used.copy_(rolled);
    }

    // LlamaGen's compute_entropy_loss (softmax, temperature 0.01): per-sample entropy minus entropy of the mean.
    static Tensor EntropyLoss(Tensor affinity)
    {
        var scaled = affinity / 0.01;
        var probs = nn.functional.softmax(scaled, -1);
        var logProbs = nn.functional.log_softmax(scaled + 1e-5, -1);
        var avgProbs = probs.mean([0]);
        var avgEntropy = avgProbs.mul(avgProbs.add(1e-5).log()).sum().neg();
        var sampleEntropy = probs.mul(logProbs).sum(-1).mean().neg();
        return sampleEntropy - avgEntropy;
    }

    /// <summary>Per-code pick counts kept outside the state dict (a plain holder, so RegisterComponents skips it).</summary>
    sealed class UsageCounter
    {
        Tensor? counts;

        public Tensor Counts(int size, Device device)
        {
            if (counts is null || counts.device_type != device.type || counts.device_index != device.index)
            {
                counts?.Dispose();
                counts = zeros(size, device: device);
                counts.DetachFromDisposeScope();
            }
            return counts;
        }

        public void Add(Tensor histogram) => Counts((int)histogram.shape[0], histogram.device).add_(histogram);

        public void Reset()
        {
            counts?.Dispose();
            counts = null;
        }
    }
}
