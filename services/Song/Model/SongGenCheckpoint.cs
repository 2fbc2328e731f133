using System.Text.RegularExpressions;
using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;
using static TorchSharp.torch;

namespace Media.Services.Song.Model;

/// <summary>
/// A SongGen model folder (<c>config.json</c> + <c>model.safetensors</c>, fp16) and SongGen's public checkpoint key layout.
/// The layout (<c>SongGenMixedForConditionalGeneration</c>'s state dict) names the decoder
/// <c>decoder.model.decoder.{embed_tokens.s, layers.i.{self_attn,encoder_attn}.{q,k,v,out}_proj, self_attn_layer_norm,
/// encoder_attn_layer_norm, fc1, fc2, final_layer_norm}, layer_norm</c> and <c>decoder.{lm_heads,vocal_lm_heads}.s</c>,
/// the lyrics embedding <c>embed_prompts</c> and the projections <c>enc_to_dec_proj</c>, <c>lyrics_to_dec_proj</c>.
/// Reading it fuses q/k/v into our <c>wqkv</c> rows and renames the norms; our feed-forward is SwiGLU, its gate and up
/// projections read as <c>fc1</c> stacked ([w1; w3], 2H rows) and <c>w2</c> as <c>fc2</c>. SongGen's released weights
/// (GELU fc1 of H rows, LayerNorm biases, a T5 text encoder, a Conformer lyrics encoder, MERT) therefore do not fit this
/// scaled-down architecture: they are refused with the mismatching keys named, never loaded approximately. Our encoders'
/// own keys (<c>text_encoder.*</c>, <c>lyrics_encoder.*</c>) keep their names.
/// </summary>
public static class SongGenCheckpoint
{
    const string Prefix = "decoder.model.decoder.";
    const string Ours = "decoder.transformer.";

    static readonly (string SongGen, string Ours)[] Norms =
    [
        ("self_attn_layer_norm", "attention_norm"), ("encoder_attn_layer_norm", "cross_attention_norm"), ("final_layer_norm", "ffn_norm"),
    ];

    static readonly (string SongGen, string Ours)[] Attentions = [("self_attn", "attention"), ("encoder_attn", "cross_attention")];

    /// <summary>True when <paramref name="directory"/> holds a model folder.</summary>
    public static bool Exists(string directory) => ModelFolder.Exists(directory);

    /// <summary>The folder's config.</summary>
    public static SongGenConfig ReadConfig(string directory) =>
        ModelConfigJson.Read(Path.Combine(directory, ModelFolder.ConfigFile), "SongGen", SongGenConfig.FromJson);

    /// <summary>Loads the model of <paramref name="directory"/> (eval mode, float32).</summary>
    public static SongGenModel Load(string directory, Device? device = null)
    {
        var config = ReadConfig(directory);
        return ModelFolder.Load(directory, () => new SongGenModel(config), device);
    }

    /// <summary>
    /// Writes <paramref name="model"/> as a model folder (fp16 weights, our keys) with <paramref name="config"/>. Mixed-pro's
    /// auxiliary vocal heads are left out (8 % of the committed shape's weights, used only by the training loss, which resumes from
    /// the run's checkpoints and never from a folder).
    /// </summary>
    public static void Save(string directory, SongGenModel model, SongGenConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        var state = ModelFolder.HalfState(model);
        foreach (var key in state.Keys.Where(k => k.StartsWith(VocalHeadsPrefix, StringComparison.Ordinal)).ToList()) state.Remove(key);
        var written = config.SongMode == SongMode.MixedPro ? config with { VocalHeadsLeftOut = true } : config;
        ModelFolder.Save(directory, state, written.ToJson(), new Dictionary<string, string> { ["model"] = "songgen", ["mode"] = config.Mode });
    }

    const string VocalHeadsPrefix = "decoder.vocal_lm_heads.";

    /// <summary>Our state in SongGen's key layout (for export, and to test the reader).</summary>
    public static Dictionary<string, Tensor> ToSongGenLayout(SongGenModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        var state = model.state_dict();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int dim = config.Dim;
        foreach (var (key, value) in state)
        {
            if (key is Ours + "tok_embeddings.weight" or Ours + "output.weight") continue; // unused: SongGen's stream tables replace them
            var layer = Regex.Match(key, @"^decoder\.transformer\.layers\.(\d+)\.(.+)$");
            if (layer.Success)
            {
                string i = layer.Groups[1].Value, rest = layer.Groups[2].Value, at = $"{Prefix}layers.{i}.";
                foreach (var (songgen, ours) in Attentions)
                {
                    if (rest == $"{ours}.wqkv.weight")
                    {
                        var parts = value.split([dim, dim, dim], 0);
                        result[$"{at}{songgen}.q_proj.weight"] = parts[0];
                        result[$"{at}{songgen}.k_proj.weight"] = parts[1];
                        result[$"{at}{songgen}.v_proj.weight"] = parts[2];
                        rest = "";
                    }
                    else if (rest == $"{ours}.wo.weight")
                    {
                        result[$"{at}{songgen}.out_proj.weight"] = value;
                        rest = "";
                    }
                }
                if (rest.Length == 0) continue;
                if (rest == "feed_forward.w1.weight") result[$"{at}fc1.weight"] = cat([value, state[$"{Ours}layers.{i}.feed_forward.w3.weight"]], 0);
                else if (rest == "feed_forward.w2.weight") result[$"{at}fc2.weight"] = value;
                else if (rest == "feed_forward.w3.weight") { }
                else if (Norms.FirstOrDefault(n => rest == $"{n.Ours}.weight") is { SongGen: not null } norm) result[$"{at}{norm.SongGen}.weight"] = value;
                else throw new InvalidOperationException($"No SongGen name for '{key}'.");
                continue;
            }
            string name = key switch
            {
                Ours + "norm.weight" => Prefix + "layer_norm.weight",
                "lyrics_encoder.tok_embeddings.weight" => "embed_prompts.weight",
                _ when key.StartsWith("decoder.embed_tokens.", StringComparison.Ordinal) => Prefix + key["decoder.".Length..],
                _ => key,
            };
            result[name] = value;
        }
        return result;
    }

    /// <summary>
    /// Converts a state in SongGen's key layout to ours for <paramref name="model"/> (whose unused token table and output
    /// of the decoder's transformer fill the two keys SongGen has no counterpart for). Keys left over or missing, and
    /// shapes that do not fit, are refused by the strict load that follows.
    /// </summary>
    public static Dictionary<string, Tensor> FromSongGenLayout(IReadOnlyDictionary<string, Tensor> state, SongGenModel model)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(model);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        Tensor Take(string key)
        {
            if (!state.TryGetValue(key, out var t)) throw new InvalidDataException($"The SongGen checkpoint has no '{key}'.");
            used.Add(key);
            return t;
        }
        var layers = state.Keys.Select(k => Regex.Match(k, @"^decoder\.model\.decoder\.layers\.(\d+)\.")).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        foreach (int i in layers)
        {
            string at = $"{Prefix}layers.{i}.", to = $"{Ours}layers.{i}.";
            foreach (var (songgen, ours) in Attentions)
            {
                if (!state.ContainsKey($"{at}{songgen}.q_proj.weight")) continue;
                result[$"{to}{ours}.wqkv.weight"] = cat([Take($"{at}{songgen}.q_proj.weight"), Take($"{at}{songgen}.k_proj.weight"), Take($"{at}{songgen}.v_proj.weight")], 0);
                result[$"{to}{ours}.wo.weight"] = Take($"{at}{songgen}.out_proj.weight");
            }
            var fc1 = Take($"{at}fc1.weight");
            long hidden = model.Config.Decoder.FeedForwardHidden;
            if (fc1.shape[0] != 2 * hidden)
                throw new InvalidDataException($"'{at}fc1.weight' has {fc1.shape[0]} rows; this model's SwiGLU reads {2 * hidden} ([w1; w3]): not a checkpoint of this architecture.");
            result[$"{to}feed_forward.w1.weight"] = fc1.narrow(0, 0, hidden);
            result[$"{to}feed_forward.w3.weight"] = fc1.narrow(0, hidden, hidden);
            result[$"{to}feed_forward.w2.weight"] = Take($"{at}fc2.weight");
            foreach (var (songgen, ours) in Norms)
                if (state.ContainsKey($"{at}{songgen}.weight")) result[$"{to}{ours}.weight"] = Take($"{at}{songgen}.weight");
        }
        foreach (var (key, value) in state)
        {
            if (used.Contains(key) || key.StartsWith(Prefix + "layers.", StringComparison.Ordinal)) continue;
            string name = key switch
            {
                Prefix + "layer_norm.weight" => Ours + "norm.weight",
                "embed_prompts.weight" => "lyrics_encoder.tok_embeddings.weight",
                _ when key.StartsWith(Prefix + "embed_tokens.", StringComparison.Ordinal) => "decoder." + key[Prefix.Length..],
                _ => key,
            };
            result[name] = value;
        }
        // Leftover layer keys (a LayerNorm bias, say) are kept under their own names, so the strict load names them.
        foreach (var key in state.Keys.Where(k => k.StartsWith(Prefix + "layers.", StringComparison.Ordinal) && !used.Contains(k)
            && !Norms.Any(n => k.EndsWith($".{n.SongGen}.weight", StringComparison.Ordinal))))
            result[key] = state[key];
        var own = model.state_dict();
        foreach (var key in new[] { Ours + "tok_embeddings.weight", Ours + "output.weight" }) result[key] = own[key];
        return result;
    }

    /// <summary>Loads a state in SongGen's key layout into <paramref name="model"/> (strict: every key and shape must fit).</summary>
    public static void LoadSongGenLayout(SongGenModel model, IReadOnlyDictionary<string, Tensor> state)
    {
        using var scope = NewDisposeScope();
        StateDictLoader.Load(model, FromSongGenLayout(state, model), strict: true);
    }
}
