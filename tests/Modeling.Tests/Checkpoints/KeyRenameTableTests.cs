using Media.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Checkpoints;

/// <summary>Checkpoints written under other key names load through a rename table.</summary>
public sealed class KeyRenameTableTests
{
    // HF EnCodec names to the original repository's names (MODELS.md, EnCodec 24 kHz).
    static KeyRenameTable HfToOriginal() => new KeyRenameTable()
        .Add(@"^encoder\.layers\.(\d+)\.conv\.", "encoder.model.$1.conv.conv.")
        .Add(@"^decoder\.layers\.(\d+)\.conv\.", "decoder.model.$1.convtr.convtr.");

    [Fact]
    public void Rules_rewrite_with_capture_groups_in_order()
    {
        var table = HfToOriginal().Add(@"\.conv\.conv\.", ".conv.inner.");
        Assert.Equal("encoder.model.12.conv.inner.weight", table.Rename("encoder.layers.12.conv.weight"));
        Assert.Equal("decoder.model.3.convtr.convtr.bias", table.Rename("decoder.layers.3.conv.bias"));
        Assert.Equal("quantizer.layers.0.codebook.embed", table.Rename("quantizer.layers.0.codebook.embed"));
    }

    [Fact]
    public void Checkpoint_with_hf_names_and_weight_norm_loads_into_original_names()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var generator = new Generator(3, CPU);
        var g = rand([4, 1, 1], generator: generator) + 0.5;
        var v = randn([4, 2, 3], generator: generator);
        var bias = randn([4], generator: generator);
        var gT = rand([4, 1, 1], generator: generator) + 0.5;
        var vT = randn([4, 2, 5], generator: generator);
        string path = dir.File("hf.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["encoder.layers.0.conv.weight_g"] = g,
            ["encoder.layers.0.conv.weight_v"] = v,
            ["encoder.layers.0.conv.bias"] = bias,
            ["decoder.layers.3.conv.weight_g"] = gT,
            ["decoder.layers.3.conv.weight_v"] = vT,
        });
        var conv = nn.Conv1d(2, 4, 3);
        var convT = nn.ConvTranspose1d(4, 2, 5, bias: false);
        var model = new NamedModule(
            ("encoder", NamedModule.Nest("model.0.conv.conv", conv)),
            ("decoder", NamedModule.Nest("model.3.convtr.convtr", convT)));

        var report = Checkpoint.LoadInto(model, path, new CheckpointLoadOptions { Renames = HfToOriginal() });

        Assert.True(report.IsExact, report.Describe());
        Assert.True(allclose(conv.weight!, g * v / v.square().sum([1, 2], keepdim: true).sqrt()));
        Assert.True(allclose(conv.bias!, bias));
        Assert.True(allclose(convT.weight!, gT * vT / vT.square().sum([1, 2], keepdim: true).sqrt()));
    }

    [Fact]
    public void Two_keys_renamed_to_one_name_are_refused()
    {
        using var scope = NewDisposeScope();
        var table = new KeyRenameTable().Add(@"^(a|b)\.", "c.");
        var error = Assert.Throws<ArgumentException>(() => table.Apply(new Dictionary<string, Tensor> { ["a.w"] = ones(1), ["b.w"] = ones(1) }));
        Assert.Contains("'a.w'", error.Message);
        Assert.Contains("'b.w'", error.Message);
    }
}
