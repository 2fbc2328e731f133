using Media.Modeling.Checkpoints;
using Media.Modeling.Transformers;
using Media.Services.Image.Tests.TokenShuffle;
using Media.Services.Image.TokenShuffle;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.DAr;

/// <summary>
/// D-AR's public GPT (showlab/D-AR) is LlamaGen's GPT with 1D RoPE over the whole token sequence: its checkpoints carry
/// LlamaGen's key names, and only the config tells the two apart.
/// </summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class DArGptCheckpointTests
{
    static TokenShuffleConfig Tiny(int ropeAxes) => new()
    {
        Dim = 32, NLayer = 2, NHead = 2, MultipleOf = 16, CodebookSize = 40, GridSize = 4, Shuffle = 1, RopeAxes = ropeAxes,
        ConditionVocabSize = 11, ConditionLength = 1, ConditionRotation = ropeAxes == 1 ? PrefixRotation.Identity : PrefixRotation.Zero,
    };

    [Fact]
    public void A_tiny_D_AR_GPT_in_LlamaGen_keys_loads_with_1d_rope_and_its_values_arrive()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var state = LlamaGenCheckpointTests.LlamaGenShapes(32, 2, 40, 11, 16)
            .ToDictionary(kv => kv.Key, kv => randn(kv.Value) * 0.2f, StringComparer.Ordinal);
        using var file = new TempDirectory();
        string path = Path.Combine(file.Path, "d-ar-gpt.safetensors");
        SafetensorsWriter.Write(path, state);

        using var dar = TokenShuffleCheckpoint.LoadLlamaGen(path, Tiny(ropeAxes: 1));
        var loaded = dar.state_dict();
        Assert.Equal(state.Count, loaded.Count);
        foreach (var (key, value) in state)
            Assert.True(loaded[TokenShuffleCheckpoint.FileToModule.Rename(key)].eq(value).all().item<bool>(), $"{key} did not arrive");

        // The same weights read as a 2D-RoPE (Token-Shuffle / LlamaGen) model predict differently: the config's RoPE is what
        // makes a D-AR checkpoint a D-AR model, so a port that ignored it would load silently and generate garbage.
        using var llamaGen = TokenShuffleCheckpoint.LoadLlamaGen(path, Tiny(ropeAxes: 2));
        dar.eval();
        llamaGen.eval();
        using var noGrad = no_grad();
        var condition = tensor(new long[] { 7 }).view(1, 1);
        var codes = randint(0, 40, [1, 4, 4]);
        var darLogits = dar.forward(condition, codes);
        Assert.Equal(new long[] { 1, 16, 1, 40 }, darLogits.shape);
        Assert.True(darLogits.isfinite().all().item<bool>());
        float difference = (darLogits - llamaGen.forward(condition, codes)).abs().max().item<float>();
        Assert.True(difference > 1e-3f, $"1D and 2D RoPE gave the same logits (max difference {difference})");
    }

    [Fact]
    [Slow("builds the full-size D-AR GPT-L model (343M parameters)")]
    public void GPT_L_has_the_public_D_AR_key_names_and_shapes()
    {
        using var scope = NewDisposeScope();
        var expected = LlamaGenCheckpointTests.LlamaGenShapes(1024, 24, 16384, 1001, 256);
        using var model = new TokenShuffleModel(TokenShuffleConfig.DArGptL);
        var actual = model.state_dict().ToDictionary(
            kv => kv.Key.StartsWith("transformer.", StringComparison.Ordinal) ? kv.Key["transformer.".Length..] : kv.Key, kv => kv.Value.shape);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.Equal(shape, actual[key]);
        long parameters = expected.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        Assert.InRange(parameters, 340_000_000, 346_000_000); // D-AR reports D-AR-L as 343M
    }
}
