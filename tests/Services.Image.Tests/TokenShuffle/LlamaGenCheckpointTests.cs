using Media.Modeling.Checkpoints;
using Media.Services.Image.TokenShuffle;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.TokenShuffle;

public class LlamaGenCheckpointTests
{
    /// <summary>
    /// The state dict of LlamaGen's GPT (models/gpt.py, class-conditioned) with its exact key names, shapes taken
    /// from its definition: SwiGLU hidden find_multiple(int(2 * 4 * dim / 3), multiple_of), fused wqkv, no biases.
    /// </summary>
    internal static Dictionary<string, long[]> LlamaGenShapes(int dim, int layers, int vocab, int classes, int multipleOf)
    {
        int hidden = 2 * 4 * dim / 3;
        if (hidden % multipleOf != 0) hidden += multipleOf - hidden % multipleOf;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["tok_embeddings.weight"] = [vocab, dim],
            ["cls_embedding.embedding_table.weight"] = [classes, dim],
            ["norm.weight"] = [dim],
            ["output.weight"] = [vocab, dim],
        };
        for (int i = 0; i < layers; i++)
        {
            shapes[$"layers.{i}.attention.wqkv.weight"] = [3 * dim, dim];
            shapes[$"layers.{i}.attention.wo.weight"] = [dim, dim];
            shapes[$"layers.{i}.feed_forward.w1.weight"] = [hidden, dim];
            shapes[$"layers.{i}.feed_forward.w3.weight"] = [hidden, dim];
            shapes[$"layers.{i}.feed_forward.w2.weight"] = [dim, hidden];
            shapes[$"layers.{i}.attention_norm.weight"] = [dim];
            shapes[$"layers.{i}.ffn_norm.weight"] = [dim];
        }
        return shapes;
    }

    [Fact]
    public void A_tiny_LlamaGen_GPT_state_dict_in_its_exact_key_names_loads_and_its_values_arrive()
    {
        using var scope = NewDisposeScope();
        var config = new TokenShuffleConfig
        {
            Dim = 32, NLayer = 2, NHead = 2, MultipleOf = 16, CodebookSize = 40, GridSize = 4, Shuffle = 1,
            ConditionVocabSize = 11, ConditionLength = 1,
        };
        manual_seed(11);
        var state = LlamaGenShapes(32, 2, 40, 11, 16).ToDictionary(kv => kv.Key, kv => randn(kv.Value), StringComparer.Ordinal);
        string path = Path.Combine(Path.GetTempPath(), "llamagen-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            SafetensorsWriter.Write(path, state);
            using var model = TokenShuffleCheckpoint.LoadLlamaGen(path, config);
            var loaded = model.state_dict();
            Assert.Equal(state.Count, loaded.Count);
            foreach (var (key, value) in state)
            {
                string moduleKey = TokenShuffleCheckpoint.FileToModule.Rename(key);
                Assert.True(loaded[moduleKey].eq(value).all().item<bool>(), $"{key} did not arrive in {moduleKey}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_checkpoint_with_a_missing_key_is_refused_naming_it()
    {
        using var scope = NewDisposeScope();
        var config = new TokenShuffleConfig
        {
            Dim = 32, NLayer = 1, NHead = 2, MultipleOf = 16, CodebookSize = 40, GridSize = 4, Shuffle = 1,
            ConditionVocabSize = 11, ConditionLength = 1,
        };
        var state = LlamaGenShapes(32, 1, 40, 11, 16).Where(kv => kv.Key != "layers.0.attention.wo.weight")
            .ToDictionary(kv => kv.Key, kv => zeros(kv.Value), StringComparer.Ordinal);
        string path = Path.Combine(Path.GetTempPath(), "llamagen-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            SafetensorsWriter.Write(path, state);
            var e = Assert.Throws<StateDictMismatchException>(() => TokenShuffleCheckpoint.LoadLlamaGen(path, config));
            Assert.Contains("layers.0.attention.wo.weight", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    [Slow("builds the full-size GPT-B model")]
    public void GPT_B_has_LlamaGens_full_key_names_and_shapes()
    {
        using var scope = NewDisposeScope();
        var expected = LlamaGenShapes(768, 12, 16384, 1001, 256);
        using var model = new TokenShuffleModel(TokenShuffleConfig.LlamaGenGptB);
        var actual = model.state_dict().ToDictionary(
            kv => kv.Key.StartsWith("transformer.", StringComparison.Ordinal) ? kv.Key["transformer.".Length..] : kv.Key, kv => kv.Value.shape);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.Equal(shape, actual[key]);
        long parameters = expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        Assert.InRange(parameters, 110_000_000, 112_500_000); // LlamaGen reports GPT-B as 111M
    }
}
