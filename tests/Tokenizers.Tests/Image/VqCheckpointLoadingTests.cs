using System.Collections;
using Media.Modeling.Checkpoints;
using Media.Tokenizers.Image;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Tokenizers.Tests.Image;

/// <summary>LlamaGen `vq_ds16`-style checkpoints and our model folders load into <see cref="VqModel"/> exactly.</summary>
[Collection(nameof(SingleThreadedTorch))]
public sealed class VqCheckpointLoadingTests
{
    // LlamaGen's layout (two levels, attention at the coarsest, mid Res/Attn/Res) at a size that runs in milliseconds.
    static readonly VqConfig Tiny = new()
    {
        CodebookSize = 64,
        CodebookDim = 8,
        Channels = 32,
        EncoderChannelMultipliers = [1, 2],
        DecoderChannelMultipliers = [1, 2],
        ZChannels = 32,
        ResBlocks = 1,
    };

    static VqModel Source(int seed)
    {
        manual_seed(seed);
        var model = new VqModel(Tiny);
        // Fresh GroupNorms are identity maps; make them non-trivial so a norm loaded wrongly would show.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters().Where(p => p.name.Contains("norm", StringComparison.Ordinal)))
                p.add_(rand(p.shape).sub(0.5));
        model.eval();
        return model;
    }

    static Tensor Images(int seed) => rand(2, 3, 8, 8, generator: new Generator((ulong)seed)) * 2 - 1;

    static Hashtable AsHashtable(IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        var table = new Hashtable();
        foreach (var (key, value) in state) table[key] = value.detach().clone();
        return table;
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static void AssertSameOutputs(VqModel expected, VqModel actual, Tensor images, double tolerance)
    {
        using var noGrad = no_grad();
        var (expectedImages, expectedQuantizer) = expected.call(images);
        var (actualImages, actualQuantizer) = actual.call(images);
        Assert.True(Same(expectedQuantizer.Indices, actualQuantizer.Indices), "code ids differ");
        double gap = expectedImages.sub(actualImages).abs().max().item<float>();
        Assert.True(gap <= tolerance, $"reconstructions differ by {gap}");
    }

    [Fact]
    public void LlamaGen_pytorch_checkpoint_under_model_loads_and_reproduces_the_source()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(1);
        string path = folder.File("vq_ds16_c2i.pt");
        // LlamaGen's train_vq.py saves {"model": state_dict, "steps": ..., "args": ...}.
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = AsHashtable(source.state_dict()), ["steps"] = 400000 });

        using var loaded = LlamaGenVqCheckpoint.Load(path, Tiny);

        Assert.False(loaded.training);
        Assert.Contains("quantize.codebook_used", loaded.state_dict().Keys);
        Assert.True(Same(loaded.state_dict()["quantize.codebook_used"], source.state_dict()["quantize.codebook_used"]));
        AssertSameOutputs(source, loaded, Images(2), 0);
    }

    [Fact]
    public void Checkpoint_without_the_usage_buffer_loads_into_a_model_without_it()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(3);
        var state = source.state_dict().Where(kv => kv.Key != "quantize.codebook_used");
        string path = folder.File("vq_ds16_t2i.pt");
        PyTorchPickler.PickleStateDict(path, AsHashtable(state));   // bare, no "model" wrapper

        using var loaded = LlamaGenVqCheckpoint.Load(path, Tiny);

        Assert.DoesNotContain("quantize.codebook_used", loaded.state_dict().Keys);
        AssertSameOutputs(source, loaded, Images(4), 0);
    }

    [Fact]
    public void LlamaGen_safetensors_with_the_same_keys_loads()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(5);
        string path = folder.File("vq_ds16_c2i.safetensors");
        SafetensorsWriter.Write(path, source.state_dict());

        using var loaded = LlamaGenVqCheckpoint.Load(path, Tiny);

        AssertSameOutputs(source, loaded, Images(6), 0);
    }

    [Fact]
    public void Key_mismatch_fails_listing_the_missing_and_unexpected_keys()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(7);
        var state = AsHashtable(source.state_dict());
        state["encoder.conv_input.weight"] = state["encoder.conv_in.weight"];
        state.Remove("encoder.conv_in.weight");
        string path = folder.File("renamed.pt");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = state });

        var error = Assert.Throws<StateDictMismatchException>(() => LlamaGenVqCheckpoint.Load(path, Tiny));

        Assert.Equal(["encoder.conv_in.weight"], error.Report.Missing);
        Assert.Equal(["encoder.conv_input.weight"], error.Report.Unexpected);
        Assert.Contains("encoder.conv_in.weight", error.Message);
        Assert.Contains("encoder.conv_input.weight", error.Message);
    }

    [Fact]
    public void Checkpoint_of_another_config_fails_listing_the_wrong_shapes()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(8);
        string path = folder.File("vq.safetensors");
        SafetensorsWriter.Write(path, source.state_dict());

        var error = Assert.Throws<StateDictMismatchException>(() => LlamaGenVqCheckpoint.Load(path, Tiny with { CodebookSize = 128 }));

        var mismatch = Assert.Single(error.Report.ShapeMismatches);
        Assert.Equal("quantize.embedding.weight", mismatch.Key);
        Assert.Equal(new long[] { 128, 8 }, mismatch.Expected);
        Assert.Equal(new long[] { 64, 8 }, mismatch.Found);
    }

    [Fact]
    public void Model_folder_round_trips_config_and_fp16_weights()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = Source(9);
        using (no_grad()) source.state_dict()["quantize.codebook_used"].copy_(arange(65536L).remainder(64).to_type(ScalarType.Float32));

        VqModelFolder.Save(source, folder.Path);
        using var loaded = VqModelFolder.Load(folder.Path);

        Assert.Equal(VqModelFolder.ConfigJson(Tiny), VqModelFolder.ConfigJson(loaded.Config));
        Assert.Equal([1, 2], loaded.Config.EncoderChannelMultipliers);
        // Weights are the source's rounded to fp16; the usage buffer is kept exactly.
        var expected = source.state_dict();
        foreach (var (key, value) in loaded.state_dict())
        {
            var reference = key == "quantize.codebook_used" ? expected[key] : expected[key].to_type(ScalarType.Float16).to_type(ScalarType.Float32);
            Assert.True(Same(value, reference), key);
        }
        Assert.False(loaded.training);
    }

    [Fact]
    public void Broken_config_file_is_reported_with_its_path()
    {
        using var folder = new TempFolder();
        string path = folder.File(VqModelFolder.ConfigFile);
        File.WriteAllText(path, """{ "channels": 48 }""");

        var error = Assert.Throws<InvalidDataException>(() => VqModelFolder.ReadConfig(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("multiple of 32", error.Message);
        Assert.Throws<FileNotFoundException>(() => VqModelFolder.Load(folder.File("nowhere")));
    }
}
