using System.Text.Json;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Speech;

public class SpeechModelFolderTests
{
    static readonly IstftVocoderConfig Tiny = new() { Channels = 16, Hidden = 32, Blocks = 1, Kernel = 3, EmbedKernel = 3 };

    [Fact]
    public void A_saved_model_loads_strictly_with_its_config_and_fp16_weights()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        using var original = new IstftVocoder(Tiny);
        original.eval();
        SpeechModelFolder.Save(original, Tiny, folder.Path);

        using var loaded = IstftVocoder.Load(folder.Path, CPU);
        Assert.Equal(Tiny, loaded.Config);
        foreach (var (name, p) in original.named_parameters())
        {
            var expected = p.to_type(ScalarType.Float16).to_type(ScalarType.Float32);
            Assert.Equal(0f, (loaded.get_parameter(name)! - expected).abs().max().item<float>());
        }
    }

    [Fact]
    public void A_missing_model_names_the_file_it_expected()
    {
        using var folder = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => IstftVocoder.Load(folder.Path, CPU));
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_vocoder_is_the_one_the_evaluation_chose()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var untrained = new IstftVocoder(Tiny);
        Assert.IsType<GriffinLim>(SpeechVocoders.LoadDefault(folder.Path, Tiny.Mel, CPU));

        SpeechModelFolder.Save(untrained, Tiny, folder.Path);
        File.WriteAllText(Path.Combine(folder.Path, "eval.json"), JsonSerializer.Serialize(new Dictionary<string, string> { ["default"] = SpeechVocoders.GriffinLim }));
        Assert.IsType<GriffinLim>(SpeechVocoders.LoadDefault(folder.Path, Tiny.Mel, CPU));

        File.WriteAllText(Path.Combine(folder.Path, "eval.json"), JsonSerializer.Serialize(new Dictionary<string, string> { ["default"] = SpeechVocoders.Istft }));
        Assert.IsType<IstftVocoder>(SpeechVocoders.LoadDefault(folder.Path, Tiny.Mel, CPU));
        Assert.Throws<InvalidDataException>(() => SpeechVocoders.LoadDefault(folder.Path, Tiny.Mel with { HopLength = 100, }, CPU));
    }
}
