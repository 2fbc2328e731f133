using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo;

/// <summary>
/// LeVo's LeLM (Lei et al. 2025), scaled down, read top-down as the paper draws it:
/// <list type="number">
/// <item>The condition prefix (<see cref="LeVoConditionProvider"/>) is prepended to both transformers.</item>
/// <item>The <b>main LM</b> (<c>transformer</c>, Llama blocks) reads the mixed stream (<c>emb.0</c>) and predicts the next
/// mixed token with its head (<c>transformer.output</c>, LeVo's <c>lm_head</c>).</item>
/// <item>The <b>AR sub-decoder</b> (<c>transformer2</c>) reads, at every position, <c>mlp([vocal + accompaniment embeddings ;
/// the main LM's final hidden state])</c> (<c>layer2_emb.1</c>, <c>layer2_emb.2</c>; <c>mlp.0</c>, GELU, <c>mlp.2</c>) and
/// predicts the next vocal and accompaniment tokens (<c>linears.0</c>, <c>linears.1</c>). The dual-track streams trail the
/// mixed one by <see cref="LeVoConfig.Delay"/> steps (<see cref="LeVoTokenLayout"/>), so a vocal token sees the mix that
/// far ahead.</item>
/// </list>
/// Keys are LeVo's (after its <c>audiolm.</c> prefix) except inside the Llama blocks, which are ours
/// (<see cref="LeVoCheckpoint"/> maps them). <c>layer2_emb.0</c> and the sub-decoder's own token table and head exist in
/// LeVo's layout unused, and so they do here.
/// </summary>
public sealed class LeLmModel : nn.Module
{
    readonly ModuleList<Embedding> emb;
    readonly ModuleList<Embedding> layer2_emb;
    readonly Sequential mlp;
    readonly ModuleList<Linear> linears;
    readonly DecoderTransformer transformer;
    readonly DecoderTransformer transformer2;
    readonly LeVoConditionProvider condition_provider;

    /// <summary>A randomly initialised model of <paramref name="config"/> (seed with <c>torch.manual_seed</c>).</summary>
    public LeLmModel(LeVoConfig config) : base(nameof(LeLmModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        int d = config.Dim;
        emb = nn.ModuleList(nn.Embedding(config.InputVocabulary, d));
        layer2_emb = nn.ModuleList(Enumerable.Range(0, 3).Select(_ => nn.Embedding(config.InputVocabulary, d)).ToArray());
        mlp = nn.Sequential(("0", nn.Linear(2 * d, d)), ("1", nn.GELU()), ("2", nn.Linear(d, d)));
        linears = nn.ModuleList(Enumerable.Range(0, 2).Select(_ => nn.Linear(d, config.OutputVocabulary, hasBias: false)).ToArray());
        transformer = new DecoderTransformer(config.Main);
        transformer2 = new DecoderTransformer(config.Sub);
        condition_provider = new LeVoConditionProvider(config);
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public LeVoConfig Config { get; }

    /// <summary>The main LM over the mixed stream.</summary>
    public DecoderTransformer Main => transformer;

    /// <summary>The AR sub-decoder over the vocal and accompaniment streams.</summary>
    public DecoderTransformer Sub => transformer2;

    /// <summary>The condition prefix.</summary>
    public LeVoConditionProvider Conditions => condition_provider;

    /// <summary>Where the weights live.</summary>
    public Device Device => transformer.Device;

    /// <summary>
    /// The parameters of the sub-decoder's side (stage 2 trains only these): its transformer, tables, MLP and heads, and the
    /// prompt audio's track tables that only it reads.
    /// </summary>
    public IEnumerable<Parameter> SubDecoderParameters() =>
        transformer2.parameters().Concat(layer2_emb.parameters()).Concat(mlp.parameters()).Concat(linears.parameters()).Concat(condition_provider.SubDecoderParameters());

    /// <summary>
    /// Which side trains: the main LM's (everything but <see cref="SubDecoderParameters"/>) and the sub-decoder's, each
    /// trainable or frozen (stage 1 trains the first, stage 2 the second, DPO both or, mixed-only, the first).
    /// </summary>
    public void SetTrainable(bool mainLm, bool subDecoder)
    {
        var sub = new HashSet<Parameter>(SubDecoderParameters(), ReferenceEqualityComparer.Instance);
        foreach (var p in parameters()) p.requires_grad = sub.Contains(p) ? subDecoder : mainLm;
    }

    /// <summary>Main LM input embeddings [..., dim] of mixed ids.</summary>
    public Tensor EmbedMixed(Tensor mixed) => emb[0].call(Checked(mixed));

    /// <summary>Sub-decoder token embeddings [..., dim] of vocal and accompaniment ids: <c>layer2_emb.1(v) + layer2_emb.2(a)</c>.</summary>
    public Tensor EmbedDual(Tensor vocal, Tensor accompaniment) => layer2_emb[1].call(Checked(vocal)) + layer2_emb[2].call(Checked(accompaniment));

    /// <summary>The sub-decoder's input [..., dim]: <c>mlp([embeddings ; main LM hidden])</c>.</summary>
    public Tensor SubInput(Tensor embeddings, Tensor mainHidden)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(mainHidden);
        using var scope = NewDisposeScope();
        return mlp.call(cat([embeddings, mainHidden], -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Mixed logits [..., codes + 1] of main LM hidden states.</summary>
    public Tensor MixedLogits(Tensor mainHidden) => transformer.Logits(mainHidden);

    /// <summary>Vocal and accompaniment logits [..., 2, codes + 1] of sub-decoder hidden states.</summary>
    public Tensor DualLogits(Tensor subHidden)
    {
        ArgumentNullException.ThrowIfNull(subHidden);
        using var scope = NewDisposeScope();
        return stack([linears[0].call(subHidden), linears[1].call(subHidden)], -2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A teacher-forced pass over layout steps <paramref name="streams"/> [B, 3, S] (mixed, vocal, accompaniment) under
    /// <paramref name="conditions"/>: mixed logits [B, S, codes + 1] and, with <paramref name="withSubDecoder"/>, dual
    /// logits [B, S, 2, codes + 1], each position predicting the next step. <paramref name="frozenLm"/> runs the main LM
    /// without gradients (stage 2 of modular extension training).
    /// </summary>
    public (Tensor Mixed, Tensor? Dual) Forward(Tensor streams, IReadOnlyList<LeVoCondition?> conditions, bool withSubDecoder = true, bool frozenLm = false)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(conditions);
        if (streams.dim() != 3 || streams.shape[1] != 3 || streams.shape[0] != conditions.Count)
            throw new ArgumentException($"Streams must be [{conditions.Count}, 3, S]; got [{string.Join(", ", streams.shape)}].", nameof(streams));
        using var scope = NewDisposeScope();
        var (prefixMain, prefixSub) = condition_provider.Prefix(conditions, Device);
        long p = prefixMain.shape[1];
        Tensor hidden;
        using (frozenLm ? no_grad() : null)
            hidden = transformer.HiddenFull(cat([prefixMain, EmbedMixed(streams.select(1, 0))], 1));
        var steps = hidden.narrow(1, p, streams.shape[2]);
        var mixed = MixedLogits(steps);
        if (!withSubDecoder) return (mixed.MoveToOuterDisposeScope(), null);
        var subEmbeddings = cat([prefixSub, EmbedDual(streams.select(1, 1), streams.select(1, 2))], 1);
        var subHidden = transformer2.HiddenFull(SubInput(subEmbeddings, hidden));
        var dual = DualLogits(subHidden.narrow(1, p, streams.shape[2]));
        return (mixed.MoveToOuterDisposeScope(), dual.MoveToOuterDisposeScope());
    }

    Tensor Checked(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        TokenIdRange.Check(ids.contiguous(), Config.InputVocabulary, "Stream ids", nameof(ids));
        return ids;
    }
}
