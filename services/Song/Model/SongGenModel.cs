using Media.Modeling.Transformers;
using Media.Services.Song.Lyrics;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Song.Model;

/// <summary>What a song is made from: the description, the lyrics tokens and optionally a reference voice clip's codec codes.</summary>
public sealed record SongCondition(string Description, IReadOnlyList<int> Lyrics, IReadOnlyList<IReadOnlyList<int>>? ReferenceVoice = null);

/// <summary>
/// SongGen (Liu et al. 2025), scaled down: a description encoder (<c>text_encoder</c> + <c>enc_to_dec_proj</c>), a lyrics
/// encoder (<c>lyrics_encoder</c> + <c>lyrics_to_dec_proj</c>), an optional reference-voice encoder, and the decoder that
/// cross-attends to their states laid one after another — [reference voice | description | lyrics], as SongGen's
/// <c>prompt_cross_attention</c> — and predicts every token stream of the mode's layout step by step. Parameter names are
/// SongGen's where the pieces are SongGen's; <see cref="SongGenCheckpoint"/> reads SongGen's key layout.
/// </summary>
public sealed class SongGenModel : nn.Module
{
    readonly DecoderTransformer text_encoder;
    readonly Linear enc_to_dec_proj;
    readonly DecoderTransformer lyrics_encoder;
    readonly Linear lyrics_to_dec_proj;
    readonly ReferenceVoiceEncoder? ref_voice;
    readonly SongGenDecoder decoder;

    /// <summary>A randomly initialised model of <paramref name="config"/> (seed with <c>torch.manual_seed</c>).</summary>
    public SongGenModel(SongGenConfig config) : base(nameof(SongGenModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        text_encoder = new DecoderTransformer(config.DescriptionEncoder);
        enc_to_dec_proj = nn.Linear(config.Dim, config.Dim);
        lyrics_encoder = new DecoderTransformer(config.LyricsEncoder);
        lyrics_to_dec_proj = nn.Linear(config.Dim, config.Dim);
        if (config.ReferenceVoice) ref_voice = new ReferenceVoiceEncoder(config.Codebooks, config.CodebookSize, config.Dim, config.MaxReferenceFrames);
        decoder = new SongGenDecoder(config);
        RegisterComponents();
        Description = new ConditionEncoder(text_encoder, enc_to_dec_proj);
        LyricsEncoder = new ConditionEncoder(lyrics_encoder, lyrics_to_dec_proj);
    }

    /// <summary>The shape.</summary>
    public SongGenConfig Config { get; }

    /// <summary>The decoder.</summary>
    public SongGenDecoder Decoder => decoder;

    /// <summary>The description encoder (UTF-8 bytes).</summary>
    public ConditionEncoder Description { get; }

    /// <summary>The lyrics encoder (<see cref="LyricsTokenizer"/> ids).</summary>
    public ConditionEncoder LyricsEncoder { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device => decoder.Transformer.Device;

    /// <summary>The description's UTF-8 bytes, cut to the encoder's length.</summary>
    public int[] DescriptionBytes(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var bytes = Encoding.UTF8.GetBytes(description);
        return [.. bytes.Take(Config.MaxDescriptionBytes).Select(b => (int)b)];
    }

    /// <summary>
    /// The decoder memory of <paramref name="conditions"/>: per row [reference voice | description | lyrics] states, padded
    /// into [B, M, dim] with a mask. A null condition is the unconditional row (CFG, and condition dropout in training):
    /// one zero state, which every cross-attention reads as nothing.
    /// </summary>
    public CrossMemory Memory(IReadOnlyList<SongCondition?> conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Count == 0) throw new ArgumentException("Give at least one condition row.", nameof(conditions));
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        foreach (var condition in conditions)
        {
            if (condition is null)
            {
                rows.Add(zeros([1, Config.Dim], device: Device));
                continue;
            }
            var parts = new List<Tensor>();
            if (ref_voice is not null && condition.ReferenceVoice is { Count: > 0 } clip && clip[0].Count > 0) parts.Add(ref_voice.Encode(clip)[0]);
            parts.Add(Description.Encode(DescriptionBytes(condition.Description))[0]);
            parts.Add(LyricsEncoder.Encode(condition.Lyrics)[0]);
            rows.Add(cat(parts.ToArray(), 0));
        }
        long m = rows.Max(r => r.shape[0]);
        var states = stack(rows.Select(r => r.shape[0] == m ? r : cat([r, zeros([m - r.shape[0], Config.Dim], device: Device)], 0)).ToArray(), 0);
        var mask = stack(rows.Select(r => arange(m, device: Device).lt(r.shape[0])).ToArray(), 0);
        return new CrossMemory(states.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>Memory positions a condition takes (to size a cache): reference clip, description bytes and lyrics tokens.</summary>
    public int MemoryLength(SongCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        int clip = ref_voice is not null && condition.ReferenceVoice is { Count: > 0 } c ? Math.Min(c[0].Count, Config.MaxReferenceFrames) : 0;
        return clip + DescriptionBytes(condition.Description).Length + condition.Lyrics.Count;
    }

    /// <summary>
    /// A teacher-forced pass: stream ids [B, streams, T] and the memory give logits [B, T, streams, vocabulary] (and
    /// mixed-pro's vocal logits [B, T, K, vocabulary] while it holds its vocal heads) predicting each next step.
    /// </summary>
    public (Tensor Logits, Tensor? VocalLogits) Forward(Tensor streams, CrossMemory memory)
    {
        using var scope = NewDisposeScope();
        var hidden = decoder.Transformer.HiddenFull(decoder.Embed(streams), memory: memory);
        var logits = decoder.Heads(hidden);
        var vocal = Config.HasVocalHeads ? decoder.VocalHeads(hidden) : null;
        return (logits.MoveToOuterDisposeScope(), vocal?.MoveToOuterDisposeScope());
    }
}
