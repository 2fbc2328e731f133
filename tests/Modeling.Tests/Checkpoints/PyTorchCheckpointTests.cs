using System.Collections;
using Media.Modeling.Checkpoints;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>PyTorch pickles written by TorchSharp.PyBridge's saver, read and unwrapped.</summary>
public sealed class PyTorchCheckpointTests
{
    static Hashtable StateDict(float value, string prefix = "") => new()
    {
        [prefix + "fc.weight"] = full(3, 4, value),
        [prefix + "fc.bias"] = full(3, value),
    };

    [Fact]
    public void Nested_training_checkpoint_reads_as_a_tree_with_tensors_and_plain_values()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = dir.File("train.pt");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = StateDict(1), ["epoch"] = 3 });

        var tree = PyTorchCheckpoint.ReadTree(path);

        Assert.Equal(3, Convert.ToInt32(tree["epoch"], System.Globalization.CultureInfo.InvariantCulture));
        var model = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(tree["model"]);
        var weight = Assert.IsAssignableFrom<Tensor>(model["fc.weight"]);
        Assert.Equal(new long[] { 3, 4 }, weight.shape);
        Assert.True(allclose(weight, full(3, 4, 1f), 0, 0));
    }

    [Theory]
    [InlineData(false, 1f)]
    [InlineData(true, 2f)]
    public void Model_and_ema_wrappers_unwrap_and_ema_is_taken_when_preferred(bool preferEma, float expected)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = dir.File("mar.pth");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["model"] = StateDict(1), ["model_ema"] = StateDict(2), ["epoch"] = 10 });

        var state = Checkpoint.Load(path, new CheckpointLoadOptions { PreferEma = preferEma });

        Assert.Equal(["fc.bias", "fc.weight"], state.Keys.Order());
        Assert.Equal(expected, state["fc.bias"][0].item<float>());
    }

    [Fact]
    public void Data_parallel_module_prefix_inside_state_dict_wrapper_is_stripped_and_loads_into_a_module()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = dir.File("dp.bin");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["state_dict"] = StateDict(5, "module.") });
        var model = new NamedModule(("fc", nn.Linear(4, 3)));

        var report = Checkpoint.LoadInto(model, path);

        Assert.True(report.IsExact, report.Describe());
        Assert.Equal(5f, model.state_dict()["fc.weight"][1, 2].item<float>());
    }

    [Fact]
    public void A_file_that_is_not_a_pytorch_zip_gets_a_clear_error()
    {
        using var dir = new TempDirectory();
        string path = dir.File("junk.pt");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.ReadTree(path));
        Assert.Contains("not a readable PyTorch checkpoint", error.Message);
    }
}
