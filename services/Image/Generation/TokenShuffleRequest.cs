using Media.Modeling.Sampling;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Image.TokenShuffle;
using static TorchSharp.torch;

namespace Media.Services.Image.Generation;

/// <summary>
/// One image as a request of the shared <see cref="StepScheduler"/>: the prompt is the condition (a CFG pair of
/// [caption; negative or null caption] rows stepping together), each step samples the s² codes of the next window
/// in parallel from guided logits, and both rows are fed that window. The scheduler reads out, guides and samples
/// the windows of all requests of a step together (<see cref="TokenShuffleModel.Head"/>, the shared sampler).
/// <see cref="WindowSampled"/> fires on the scheduler's thread after every window.
/// </summary>
public sealed class TokenShuffleRequest : SampledRequest, IDisposable
{
    readonly TokenShuffleModel shuffleModel;
    readonly long[][] conditions;
    readonly GuidanceSchedule guidance;
    readonly SamplingState sampling;
    readonly List<long[]> windows = [];
    readonly IReadOnlyList<long[]> forced;

    /// <summary>
    /// A request for <paramref name="condition"/>, guided against <paramref name="unconditional"/> unless the scale is 1, with
    /// <paramref name="guidance"/> over the windows (null: the request's own schedule). The first windows may be
    /// <paramref name="forcedWindows"/> instead of sampled (D-AR's layout control: a reference image's first token groups).
    /// </summary>
    public TokenShuffleRequest(TokenShuffleModel model, long[] condition, long[] unconditional, ImageRequest request,
        GuidanceSchedule? guidance = null, IReadOnlyList<long[]>? forcedWindows = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(unconditional);
        ArgumentNullException.ThrowIfNull(request);
        shuffleModel = model;
        conditions = request.GuidanceScale == 1.0 ? [condition] : [condition, unconditional];
        this.guidance = guidance ?? request.Guidance;
        forced = forcedWindows ?? [];
        if (forced.Count > model.Config.Windows || forced.Any(w => w.Length != model.Config.WindowSize || w.Any(c => c < 0 || c >= model.Config.CodebookSize)))
            throw new ArgumentException($"Forced windows must be at most {model.Config.Windows} windows of {model.Config.WindowSize} codes in 0..{model.Config.CodebookSize - 1}.", nameof(forcedWindows));
        sampling = new SamplingState(request.Sampling);
    }

    /// <summary>Called with (window index, its s² codes) after each window is sampled.</summary>
    public event Action<int, long[]>? WindowSampled;

    /// <summary>The windows sampled so far, each s² codes in row-major window order.</summary>
    public IReadOnlyList<long[]> Windows => windows;

    /// <inheritdoc/>
    public override int Rows => conditions.Length;

    /// <inheritdoc/>
    public override int PromptLength => conditions[0].Length;

    /// <inheritdoc/>
    public override int MaxNewTokens => shuffleModel.Config.Windows;

    /// <inheritdoc/>
    public override bool IsDone => windows.Count >= shuffleModel.Config.Windows;

    /// <inheritdoc/>
    public override Tensor PromptEmbeddings(DecoderTransformer model, int start, int count)
    {
        // The condition table is read whole-width, so embed the full rows and keep the chunk asked for.
        var full = tensor(conditions.SelectMany(c => c).ToArray(), ScalarType.Int64, shuffleModel.Device).view(Rows, -1);
        return shuffleModel.EmbedCondition(full).narrow(1, start, count);
    }

    /// <inheritdoc/>
    public override TokenHead Head => shuffleModel.Head;

    /// <inheritdoc/>
    public override SamplingState Sampling => sampling;

    /// <inheritdoc/>
    public override double GuidanceScale => guidance.ScaleAt(windows.Count, shuffleModel.Config.Windows);

    /// <inheritdoc/>
    public override IReadOnlyList<long> LastTokens => windows[^1];

    /// <inheritdoc/>
    public override void AcceptTokens(long[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length != shuffleModel.Config.WindowSize)
            throw new ArgumentException($"A window holds {shuffleModel.Config.WindowSize} codes, got {tokens.Length}.", nameof(tokens));
        int index = windows.Count;
        // Layout control: the first windows are the reference's tokens, whatever was sampled.
        var codes = index < forced.Count ? forced[index] : tokens;
        windows.Add(codes);
        WindowSampled?.Invoke(index, codes);
    }

    /// <summary>The sampled codes as a grid [G, G] (all windows must be sampled).</summary>
    public Tensor CodeGrid()
    {
        if (!IsDone) throw new InvalidOperationException($"{windows.Count} of {shuffleModel.Config.Windows} windows are sampled.");
        var flat = tensor(windows.SelectMany(w => w).ToArray(), ScalarType.Int64).view(1, shuffleModel.Config.Windows, shuffleModel.Config.WindowSize);
        return WindowOrder.Unshuffle(flat, shuffleModel.Config.Shuffle)[0];
    }

    /// <inheritdoc/>
    public void Dispose() => sampling.Dispose();
}
