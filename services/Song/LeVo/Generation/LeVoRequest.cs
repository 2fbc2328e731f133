using Media.Modeling.Devices;
using Media.Modeling.Sampling;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Generation;

/// <summary>
/// One LeVo song on the shared <see cref="StepScheduler"/>, which runs the main LM (batched with every other song); the
/// request runs its own sub-decoder beside it, in its own two-row cache:
/// <list type="bullet">
/// <item>The prompt is the condition prefix and the all-special start step. As each prompt chunk's main-LM states come
/// back (<see cref="PromptHidden"/>), the sub-decoder prefills the same positions from <c>mlp([its prefix ; those states])</c>.</item>
/// <item>At each step the readout is the main LM's mixed logits and, from the step's vocal and accompaniment tokens and
/// the main LM's state, one sub-decoder step's dual logits: [Rows, 3, codes + 1].</item>
/// <item>The pick guides the pair (<c>u + s (c - u)</c>), keeps the end id out (a song is as long as it was asked), and
/// samples as LeVo's released code does: the mixed stream with temperature and top-k, the vocal and accompaniment greedily,
/// every stream's logits of tokens seen in its last 50 divided by 1.1 once.</item>
/// </list>
/// Slots the delay pattern leaves empty are forced to the special id; the tokens land in <see cref="Mixed"/>,
/// <see cref="Vocal"/> and <see cref="Accompaniment"/>, and <see cref="StepDone"/> reports each step's index.
/// </summary>
public sealed class LeVoRequest : GenerationRequest, IDisposable
{
    /// <summary>LeVo's repetition window and factor (<c>record_window</c>, 1.1).</summary>
    public const int RepetitionWindow = 50;
    const double RepetitionFactor = 1.1;

    readonly LeLmModel lm;
    readonly double guidance;
    readonly SamplingState mixedSampling, dualSampling;
    readonly Tensor prefixMain, prefixSub;
    readonly KvCache subCache;
    readonly int[] subSlots;
    readonly List<long>[] history = [[], [], []];
    readonly long[] last;
    Tensor? promptSubHidden;
    int step;

    /// <summary>A request for a song of <paramref name="tokens"/> tokens under <paramref name="condition"/>.</summary>
    public LeVoRequest(LeLmModel model, LeVoCondition condition, int tokens, SamplingParameters sampling, double guidanceScale)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(sampling);
        sampling.Validate();
        if (tokens < 1 || tokens > model.Config.MaxTokens)
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens, $"A song takes 1 to {model.Config.MaxTokens} tokens.");
        lm = model;
        guidance = guidanceScale;
        Layout = LeVoTokenLayout.For(model.Config, tokens);
        var penalty = sampling with { RepetitionPenalty = RepetitionFactor, RepetitionWindow = RepetitionWindow, RepetitionMode = RepetitionPenaltyMode.PresenceDivide };
        mixedSampling = new SamplingState(penalty);
        dualSampling = new SamplingState(penalty with { Temperature = 0, TopK = 0, TopP = 1 });
        LeVoCondition?[] rows = Rows == 1 ? [condition] : [condition, null];
        using (var scope = NewDisposeScope())
        {
            using var inFlight = FinalizerGate.Enter();
            using var noGrad = no_grad();
            var (main, sub) = model.Conditions.Prefix(rows, model.Device);
            prefixMain = main.DetachFromDisposeScope();
            prefixSub = sub.DetachFromDisposeScope();
        }
        PrefixLength = (int)prefixMain.shape[1];
        using (FinalizerGate.Enter()) subCache = model.Sub.CreateCache(Rows, PrefixLength + Layout.Steps);
        subSlots = [.. subCache.Allocate(Rows).Slots];
        last = [model.Config.Special, model.Config.Special, model.Config.Special];
        Mixed = new int[tokens];
        Vocal = new int[tokens];
        Accompaniment = new int[tokens];
    }

    /// <summary>The layout being filled.</summary>
    public LeVoTokenLayout Layout { get; }

    /// <summary>Positions of the condition prefix.</summary>
    public int PrefixLength { get; }

    /// <summary>The mixed tokens so far (never decoded to audio: LeVo decodes the two tracks).</summary>
    public int[] Mixed { get; }

    /// <summary>The vocal tokens so far.</summary>
    public int[] Vocal { get; }

    /// <summary>The accompaniment tokens so far.</summary>
    public int[] Accompaniment { get; }

    /// <summary>Raised on the scheduler's thread after each step with the step's index (1 .. Steps - 1).</summary>
    public event Action<int>? StepDone;

    /// <summary>Tokens of both tracks complete after step <paramref name="step"/>.</summary>
    public int TracksReady(int step) => Math.Clamp(step - Layout.Delay, 0, Layout.Tokens);

    /// <inheritdoc/>
    public override int Rows => guidance == 1 ? 1 : 2;

    /// <inheritdoc/>
    public override int PromptLength => PrefixLength + 1;

    /// <inheritdoc/>
    public override int MaxNewTokens => Layout.Steps - 1;

    /// <inheritdoc/>
    public override bool IsDone => step >= Layout.Steps - 1;

    /// <inheritdoc/>
    public override Tensor PromptEmbeddings(DecoderTransformer model, int start, int count) =>
        PromptSlice(prefixMain, start, count, () => lm.EmbedMixed(Special(1)));

    /// <inheritdoc/>
    public override void PromptHidden(DecoderTransformer model, Tensor hidden, int start)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var noGrad = no_grad();
        int count = (int)hidden.shape[1];
        var embeddings = PromptSlice(prefixSub, start, count, () => lm.EmbedDual(Special(1), Special(1)));
        var states = lm.Sub.HiddenCached(lm.SubInput(embeddings, hidden), subCache, subSlots);
        if (start + count > PrefixLength) promptSubHidden = states.select(1, -1);
    }

    /// <summary>Prompt positions start..start+count-1 of one transformer: its prefix, then the start step's embedding if the range reaches it.</summary>
    Tensor PromptSlice(Tensor prefix, int start, int count, Func<Tensor> startStep)
    {
        int prefixCount = Math.Min(count, PrefixLength - start);
        var parts = new List<Tensor>();
        if (prefixCount > 0) parts.Add(prefix.narrow(1, start, prefixCount));
        if (start + count > PrefixLength) parts.Add(startStep());
        return parts.Count == 1 ? parts[0] : cat(parts, 1);
    }

    /// <inheritdoc/>
    public override Tensor Readout(DecoderTransformer model, Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var noGrad = no_grad();
        Tensor subHidden;
        if (promptSubHidden is { } ready)
        {
            subHidden = ready;
            promptSubHidden = null;
        }
        else
        {
            var device = lm.Device;
            var vocal = tensor(last[1], device: device).view(1, 1).expand(Rows, 1);
            var accompaniment = tensor(last[2], device: device).view(1, 1).expand(Rows, 1);
            var input = lm.SubInput(lm.EmbedDual(vocal, accompaniment), hidden.unsqueeze(1));
            subHidden = lm.Sub.HiddenCached(input, subCache, subSlots).select(1, 0);
        }
        return cat([lm.MixedLogits(hidden).unsqueeze(1), lm.DualLogits(subHidden)], 1);
    }

    /// <inheritdoc/>
    public override void Accept(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var x = logits.to_type(ScalarType.Float32);
        var guided = Rows == 2 ? ClassifierFreeGuidance.Combine(x.narrow(0, 0, 1), x.narrow(0, 1, 1), guidance) : x;
        guided = guided.index_fill(-1, tensor(new long[] { lm.Config.Eos }, device: guided.device), -1e9);
        var picks = new long[3];
        for (int q = 0; q < 3; q++)
        {
            var recent = history[q].Skip(Math.Max(0, history[q].Count - RepetitionWindow)).ToArray();
            var window = recent.Length == 0 ? null : tensor(recent, device: guided.device).view(1, -1);
            picks[q] = TokenSampler.Sample(guided.select(1, q), [q == 0 ? mixedSampling : dualSampling], window).cpu().item<long>();
        }
        AcceptTokens(picks);
    }

    /// <summary>Records one step's three picks; slots the layout leaves empty take the special id instead.</summary>
    public void AcceptTokens(long[] picks)
    {
        ArgumentNullException.ThrowIfNull(picks);
        int j = ++step;
        int[][] tracks = [Mixed, Vocal, Accompaniment];
        for (int q = 0; q < 3; q++)
        {
            if (Layout.TokenAt(q, j) is int t)
            {
                tracks[q][t] = (int)picks[q];
                history[q].Add(picks[q]);
                last[q] = picks[q];
            }
            else last[q] = lm.Config.Special;
        }
        StepDone?.Invoke(j);
    }

    /// <inheritdoc/>
    public override Tensor NextEmbeddings(DecoderTransformer model) =>
        lm.EmbedMixed(tensor(last[0], device: lm.Device).view(1, 1).expand(Rows, 1));

    Tensor Special(int length) => full([Rows, length], lm.Config.Special, ScalarType.Int64, lm.Device);

    /// <inheritdoc/>
    public void Dispose()
    {
        mixedSampling.Dispose();
        dualSampling.Dispose();
        prefixMain.Dispose();
        prefixSub.Dispose();
        subCache.Dispose();
    }
}
