using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>Strict and non-strict loading of a state dict into a module.</summary>
public sealed class StateDictLoaderTests
{
    static NamedModule Model() => new(("fc", nn.Linear(4, 3)), ("norm", nn.LayerNorm(3)));

    [Fact]
    public void Strict_loading_names_missing_unexpected_and_wrongly_shaped_keys_and_loads_nothing()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var source = new Dictionary<string, Tensor>
        {
            ["fc.weight"] = zeros(2, 4),       // wrong shape
            ["norm.weight"] = zeros(3),        // fine
            ["head.weight"] = zeros(5),        // unexpected
            ["norm.bias"] = zeros(3),          // fine; fc.bias is missing
        };

        var error = Assert.Throws<StateDictMismatchException>(() => StateDictLoader.Load(model, source));

        Assert.Contains("fc.bias", error.Message);
        Assert.Contains("head.weight", error.Message);
        Assert.Contains("fc.weight: module [3, 4], checkpoint [2, 4]", error.Message);
        Assert.Equal(["fc.bias"], error.Report.Missing);
        Assert.Equal(["head.weight"], error.Report.Unexpected);
        foreach (var (key, value) in model.state_dict()) Assert.True(allclose(value, before[key], 0, 0), key);
    }

    [Fact]
    public void Non_strict_loading_copies_what_matches_and_returns_the_report()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var source = new Dictionary<string, Tensor>
        {
            ["fc.weight"] = zeros(2, 4),
            ["norm.weight"] = full(3, 2.5f),
            ["norm.bias"] = full(3, -1f, dtype: ScalarType.Float64),   // converted to the module's dtype
            ["extra"] = zeros(1),
        };

        var report = StateDictLoader.Load(model, source, strict: false);

        Assert.False(report.IsExact);
        Assert.Equal(["norm.weight", "norm.bias"], report.Loaded);
        Assert.Equal(new float[] { 2.5f, 2.5f, 2.5f }, model.state_dict()["norm.weight"].data<float>().ToArray());
        Assert.Equal(new float[] { -1, -1, -1 }, model.state_dict()["norm.bias"].data<float>().ToArray());
        Assert.Equal(ScalarType.Float32, model.state_dict()["norm.bias"].dtype);
        Assert.NotEqual(0f, model.state_dict()["fc.weight"].abs().sum().item<float>());
    }

    [Fact]
    public void Exact_checkpoint_round_trips_through_save_and_strict_load()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var saved = Model();
        var loaded = Model();
        string path = dir.File("model.safetensors");

        Checkpoint.Save(saved, path, new Dictionary<string, string> { ["model"] = "test" });
        var report = Checkpoint.LoadInto(loaded, path);

        Assert.True(report.IsExact);
        foreach (var (key, value) in saved.state_dict()) Assert.True(allclose(value, loaded.state_dict()[key], 0, 0), key);
    }
}
