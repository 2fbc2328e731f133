using System.Text.RegularExpressions;
using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo;

/// <summary>
/// A LeVo model folder (<c>config.json</c>, <c>model.safetensors</c> fp16, and the tokenizer in <c>tokenizer/</c>) and LeVo's
/// public checkpoint layout: <c>model.pt</c>, a flat state dict of the Lightning module, every key under <c>audiolm.</c>.
/// Outside the Llama blocks LeVo's keys are ours. Inside, LeVo's are Hugging Face Llama's
/// (<c>transformer{,2}.model.layers.i.self_attn.{q,k,v,o}_proj</c>, <c>mlp.{gate,up,down}_proj</c>,
/// <c>input_layernorm</c>, <c>post_attention_layernorm</c>; <c>model.norm</c>, <c>model.embed_tokens</c>, <c>lm_head</c>):
/// q/k/v are fused into our <c>wqkv</c> rows, gate/up/down read as <c>w1</c>/<c>w3</c>/<c>w2</c>. LeVo's <c>out_norm</c>
/// (built, never used in its forward) is dropped by name; any other key left over, missing or misshapen fails the strict load.
/// </summary>
public static class LeVoCheckpoint
{
    /// <summary>The key prefix of LeVo's released state dict.</summary>
    public const string Prefix = "audiolm.";

    /// <summary>The tokenizer's subfolder of a model folder.</summary>
    public const string TokenizerFolder = "tokenizer";

    static readonly string[] Transformers = ["transformer", "transformer2"];
    static readonly string[] Unused = ["out_norm.weight", "out_norm.bias"];

    static readonly (string LeVo, string Ours)[] LayerParts =
    [
        ("self_attn.o_proj", "attention.wo"), ("mlp.gate_proj", "feed_forward.w1"), ("mlp.up_proj", "feed_forward.w3"),
        ("mlp.down_proj", "feed_forward.w2"), ("input_layernorm", "attention_norm"), ("post_attention_layernorm", "ffn_norm"),
    ];

    static readonly (string LeVo, string Ours)[] TopParts = [("model.norm", "norm"), ("model.embed_tokens", "tok_embeddings"), ("lm_head", "output")];

    /// <summary>True when <paramref name="directory"/> holds a model folder.</summary>
    public static bool Exists(string directory) => ModelFolder.Exists(directory);

    /// <summary>True when <paramref name="directory"/> is a LeVo model folder (a model with its tokenizer beside it), not another song model's.</summary>
    public static bool IsLeVoFolder(string directory) =>
        Exists(directory) && Directory.Exists(Path.Combine(directory, TokenizerFolder));

    /// <summary>The folder's config.</summary>
    public static LeVoConfig ReadConfig(string directory) =>
        ModelConfigJson.Read(Path.Combine(directory, ModelFolder.ConfigFile), "LeVo", LeVoConfig.FromJson);

    /// <summary>Loads the model of <paramref name="directory"/> (eval mode, float32).</summary>
    public static LeLmModel Load(string directory, Device? device = null)
    {
        var config = ReadConfig(directory);
        return ModelFolder.Load(directory, () => new LeLmModel(config), device);
    }

    /// <summary>Writes <paramref name="model"/> as a model folder (fp16 weights, our keys) with <paramref name="config"/>.</summary>
    public static void Save(string directory, LeLmModel model, LeVoConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        ModelFolder.Save(directory, ModelFolder.HalfState(model), config.ToJson(), new Dictionary<string, string> { ["model"] = "levo" });
    }

    /// <summary>The pre-DPO model's subfolder of a DPO-trained model folder (the reference its preference gain is measured against).</summary>
    public const string PreDpoFolder = "pre-dpo";

    /// <summary>Copies the LeVo model folder <paramref name="from"/> (its files and its tokenizer, not a pre-DPO model inside it) to <paramref name="to"/>.</summary>
    public static void Copy(string from, string to)
    {
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(to);
        if (!IsLeVoFolder(from)) throw new DirectoryNotFoundException($"'{from}' is not a LeVo model folder (a model with tokenizer/ beside it).");
        foreach (var (source, target) in new[] { (from, to), (Path.Combine(from, TokenizerFolder), Path.Combine(to, TokenizerFolder)) })
        {
            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    /// <summary>Our state in LeVo's released layout (for export, and to test the reader).</summary>
    public static Dictionary<string, Tensor> ToLeVoLayout(LeLmModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int dim = model.Config.Dim;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in model.state_dict())
        {
            var layer = Regex.Match(key, @"^(transformer2?)\.layers\.(\d+)\.(.+)\.weight$");
            if (layer.Success)
            {
                string at = $"{Prefix}{layer.Groups[1].Value}.model.layers.{layer.Groups[2].Value}.", rest = layer.Groups[3].Value;
                if (rest == "attention.wqkv")
                {
                    var parts = value.split([dim, dim, dim], 0);
                    result[at + "self_attn.q_proj.weight"] = parts[0];
                    result[at + "self_attn.k_proj.weight"] = parts[1];
                    result[at + "self_attn.v_proj.weight"] = parts[2];
                }
                else
                {
                    var part = LayerParts.FirstOrDefault(p => p.Ours == rest);
                    result[at + (part.LeVo ?? throw new InvalidOperationException($"No LeVo name for '{key}'.")) + ".weight"] = value;
                }
                continue;
            }
            var top = Regex.Match(key, @"^(transformer2?)\.(norm|tok_embeddings|output)\.weight$");
            if (top.Success)
            {
                result[$"{Prefix}{top.Groups[1].Value}.{TopParts.First(p => p.Ours == top.Groups[2].Value).LeVo}.weight"] = value;
                continue;
            }
            result[Prefix + key] = value;
        }
        return result;
    }

    /// <summary>Converts a state in LeVo's released layout (with or without the <c>audiolm.</c> prefix) to our keys.</summary>
    public static Dictionary<string, Tensor> FromLeVoLayout(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bare = state.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal) || !state.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal) ? kv.Key[Prefix.Length..] : kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var used = new HashSet<string>(Unused, StringComparer.Ordinal);
        Tensor Take(string key)
        {
            if (!bare.TryGetValue(key, out var t)) throw new InvalidDataException($"The LeVo checkpoint has no '{Prefix}{key}'.");
            used.Add(key);
            return t;
        }
        foreach (var name in Transformers)
        {
            var layers = bare.Keys.Select(k => Regex.Match(k, $@"^{name}\.model\.layers\.(\d+)\.")).Where(m => m.Success)
                .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order();
            foreach (int i in layers)
            {
                string at = $"{name}.model.layers.{i}.", to = $"{name}.layers.{i}.";
                result[to + "attention.wqkv.weight"] = cat([Take(at + "self_attn.q_proj.weight"), Take(at + "self_attn.k_proj.weight"), Take(at + "self_attn.v_proj.weight")], 0);
                foreach (var (levo, ours) in LayerParts) result[$"{to}{ours}.weight"] = Take($"{at}{levo}.weight");
            }
            foreach (var (levo, ours) in TopParts) result[$"{name}.{ours}.weight"] = Take($"{name}.{levo}.weight");
        }
        // Everything else keeps its name; leftovers (a bias, a layer part of another architecture) fail the strict load by name.
        foreach (var (key, value) in bare)
            if (!used.Contains(key)) result[key] = value;
        return result;
    }

    /// <summary>Loads a state in LeVo's released layout into <paramref name="model"/> (strict: every key and shape must fit).</summary>
    public static void LoadLeVoLayout(LeLmModel model, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        StateDictLoader.Load(model, FromLeVoLayout(state), strict: true);
    }

    /// <summary>Reads LeVo's <c>model.pt</c> (or a safetensors file in its layout) into a model of <paramref name="config"/>.</summary>
    public static LeLmModel LoadReleased(string path, LeVoConfig config, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var state = Checkpoint.Load(path);
        try
        {
            return Checkpoint.LoadModel(new LeLmModel(config), FromLeVoLayout(state), device);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }
}
