using Media.Services.Song.Lyrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo;

/// <summary>
/// LeVo's condition prefix, with its keys (<c>condition_provider.conditioners.{description,type_info,prompt_audio}</c>).
/// Every condition is an embedding lookup (no encoder), prepended to both transformers in the fuser's order
/// [lyrics ; prompt audio ; description]:
/// <list type="bullet">
/// <item><c>description</c> carries the <b>lyrics</b> (LeVo's naming): a token table (<c>output_proj</c>) plus a structure
/// table (<c>structure_emb</c>, padding row 0) holding the section each token belongs to, from its tag to the next.</item>
/// <item><c>type_info</c> carries the style description: a token table over its UTF-8 bytes.</item>
/// <item><c>prompt_audio</c> (only when the config has prompt tokens): an end-of-text embedding, then the prompt's three
/// streams — the mixed one for the main LM (<c>emb.0</c>), vocal + accompaniment for the sub-decoder (<c>emb.1 + emb.2</c>,
/// after <c>layer2_EOT_emb</c>). Requests carry no prompt, so it is always LeVo's null prompt (the special id).</item>
/// </list>
/// Rows are padded at the front to the longest of the batch with the lyrics' padding embedding, and the padding is
/// attended to (LeVo pads every condition to a fixed length and attends to it too); padding at the front keeps each row's
/// distances between conditions and audio its own, whatever shares its batch.
/// </summary>
public sealed class LeVoConditionProvider : nn.Module
{
    readonly LeVoConditioners conditioners;

    /// <summary>The tables of <paramref name="config"/>.</summary>
    public LeVoConditionProvider(LeVoConfig config) : base(nameof(LeVoConditionProvider))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        conditioners = new LeVoConditioners(config);
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public LeVoConfig Config { get; }

    /// <summary>
    /// The prefixes [B, P, dim] of the main LM and of the sub-decoder for <paramref name="conditions"/> (null: the
    /// unconditional row: lyrics and description reduced to their start id, as LeVo's <c>None</c> text).
    /// </summary>
    public (Tensor Main, Tensor Sub) Prefix(IReadOnlyList<LeVoCondition?> conditions, Device device)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Count == 0) throw new ArgumentException("Give at least one condition row.", nameof(conditions));
        using var scope = NewDisposeScope();
        var lyrics = conditions.Select(c => c?.Lyrics ?? [LyricsTokenizer.Bos]).ToList();
        var descriptions = conditions.Select(c => c?.Description ?? [Config.DescriptionStart]).ToList();
        foreach (var l in lyrics)
            if (l.Count == 0 || l.Count > Config.MaxLyricsTokens) throw new ArgumentException($"Lyrics hold 1 to {Config.MaxLyricsTokens} tokens; got {l.Count}.", nameof(conditions));
        foreach (var d in descriptions)
            if (d.Count == 0 || d.Count > Config.MaxDescriptionBytes) throw new ArgumentException($"A description holds 1 to {Config.MaxDescriptionBytes} ids; got {d.Count}.", nameof(conditions));
        // Each row's [lyrics ; prompt ; description] is laid out at its own length, then the rows are padded at the front, so
        // the distances between the conditions and the audio are each row's own, in training batches and when served alike.
        var rows = new List<(Tensor Main, Tensor Sub)>();
        for (int i = 0; i < conditions.Count; i++)
        {
            var lyricsEmbeddings = conditioners.description.Embed(Ids(lyrics[i], device), Ids(Structure(lyrics[i]), device));
            var descriptionEmbeddings = conditioners.type_info.Embed(Ids(descriptions[i], device));
            if (conditioners.prompt_audio is { } prompt)
            {
                var (promptMain, promptSub) = prompt.NullPrompt(1, device);
                rows.Add((cat([lyricsEmbeddings, promptMain, descriptionEmbeddings], 1), cat([lyricsEmbeddings, promptSub, descriptionEmbeddings], 1)));
            }
            else
            {
                var both = cat([lyricsEmbeddings, descriptionEmbeddings], 1);
                rows.Add((both, both));
            }
        }
        long length = rows.Max(r => r.Main.shape[1]);
        var pad = conditioners.description.Embed(Ids([LyricsTokenizer.Pad], device), Ids([0], device));
        Tensor Padded(Tensor row) => row.shape[1] == length ? row : cat([pad.expand(1, length - row.shape[1], -1), row], 1);
        var main = cat([.. rows.Select(r => Padded(r.Main))], 0);
        var sub = conditioners.prompt_audio is null ? main : cat([.. rows.Select(r => Padded(r.Sub))], 0);
        return (main.MoveToOuterDisposeScope(), sub.MoveToOuterDisposeScope());
    }

    /// <summary>The parameters of the sub-decoder's side of the prefix (the prompt audio's track tables and end-of-text embedding).</summary>
    public IEnumerable<Parameter> SubDecoderParameters() => conditioners.prompt_audio?.SubDecoderParameters() ?? [];

    /// <summary>Prefix positions of <paramref name="conditions"/> (all rows are padded to this).</summary>
    public int PrefixLength(IReadOnlyList<LeVoCondition?> conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        return conditions.Max(c => (c?.Lyrics.Count ?? 1) + (c?.Description.Count ?? 1)) + Config.PromptPositions;
    }

    /// <summary>The section of each lyrics token: 1 + the index of the latest tag at or before it (0 before the first tag, and for padding).</summary>
    public static int[] Structure(IReadOnlyList<int> lyrics)
    {
        ArgumentNullException.ThrowIfNull(lyrics);
        var structure = new int[lyrics.Count];
        int current = 0;
        for (int i = 0; i < lyrics.Count; i++)
        {
            int tag = LyricsTokenizer.TagIndex(lyrics[i]);
            if (tag >= 0) current = 1 + tag;
            structure[i] = lyrics[i] == LyricsTokenizer.Pad ? 0 : current;
        }
        return structure;
    }

    static Tensor Ids(IReadOnlyList<int> ids, Device device) => tensor(ids.Select(v => (long)v).ToArray(), ScalarType.Int64, device).view(1, -1);

    /// <summary>The <c>conditioners</c> level of LeVo's keys.</summary>
    sealed class LeVoConditioners : nn.Module
    {
#pragma warning disable IDE1006 // LeVo's checkpoint keys
        internal readonly LyricsConditioner description;
        internal readonly TextConditioner type_info;
        internal readonly PromptAudioConditioner? prompt_audio;
#pragma warning restore IDE1006

        internal LeVoConditioners(LeVoConfig config) : base(nameof(LeVoConditioners))
        {
            description = new LyricsConditioner(config);
            type_info = new TextConditioner(config);
            if (config.PromptTokens > 0) prompt_audio = new PromptAudioConditioner(config);
            RegisterComponents();
        }
    }

    /// <summary>Lyrics: token plus structure embedding.</summary>
    sealed class LyricsConditioner : nn.Module
    {
        readonly Embedding output_proj;
        readonly Embedding structure_emb;

        internal LyricsConditioner(LeVoConfig config) : base(nameof(LyricsConditioner))
        {
            output_proj = nn.Embedding(config.LyricsVocabulary, config.Dim);
            structure_emb = nn.Embedding(config.StructureTypes, config.Dim, padding_idx: 0);
            RegisterComponents();
        }

        internal Tensor Embed(Tensor ids, Tensor structure) => output_proj.call(ids) + structure_emb.call(structure);
    }

    /// <summary>The style description: a token table.</summary>
    sealed class TextConditioner : nn.Module
    {
        readonly Embedding output_proj;

        internal TextConditioner(LeVoConfig config) : base(nameof(TextConditioner))
        {
            output_proj = nn.Embedding(config.DescriptionVocabulary, config.Dim);
            RegisterComponents();
        }

        internal Tensor Embed(Tensor ids) => output_proj.call(ids);
    }

    /// <summary>Prompt audio: the three streams' tables and the two end-of-text embeddings.</summary>
    sealed class PromptAudioConditioner : nn.Module
    {
        readonly ModuleList<Embedding> emb;
#pragma warning disable IDE1006 // LeVo's checkpoint keys
        readonly Parameter EOT_emb;
        readonly Parameter layer2_EOT_emb;
#pragma warning restore IDE1006
        readonly LeVoConfig config;

        internal PromptAudioConditioner(LeVoConfig config) : base(nameof(PromptAudioConditioner))
        {
            this.config = config;
            emb = nn.ModuleList(Enumerable.Range(0, 3).Select(_ => nn.Embedding(config.InputVocabulary, config.Dim, padding_idx: config.Special)).ToArray());
            EOT_emb = new Parameter(randn(1, config.Dim) * 0.02);
            layer2_EOT_emb = new Parameter(randn(1, config.Dim) * 0.02);
            RegisterComponents();
        }

        /// <summary>What the sub-decoder reads of it: the track tables and its end-of-text embedding.</summary>
        internal IEnumerable<Parameter> SubDecoderParameters() => [.. emb[1].parameters(), .. emb[2].parameters(), layer2_EOT_emb];

        /// <summary>LeVo's null prompt for <paramref name="rows"/> rows: every prompt id special, end id included.</summary>
        internal (Tensor Main, Tensor Sub) NullPrompt(int rows, Device device)
        {
            using var scope = NewDisposeScope();
            var ids = full([rows, config.PromptTokens + 1], config.Special, ScalarType.Int64, device);
            var main = cat([EOT_emb.unsqueeze(0).expand(rows, -1, -1), emb[0].call(ids)], 1);
            var sub = cat([layer2_EOT_emb.unsqueeze(0).expand(rows, -1, -1), emb[1].call(ids) + emb[2].call(ids)], 1);
            return (main.MoveToOuterDisposeScope(), sub.MoveToOuterDisposeScope());
        }
    }
}
