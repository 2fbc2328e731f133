using Media.Tokenizers.Audio.Encodec;

namespace Media.Cli.Tests.Codec;

/// <summary>A randomly initialised codec of <see cref="EncodecConfig"/> saved as our own folder, for CLI processes to read.</summary>
internal static class TinyCodecFolder
{
    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> into <paramref name="parent"/>/codec and returns that folder.</summary>
    public static string Save(string parent, EncodecConfig config, int seed)
    {
        string model = Path.Combine(parent, "codec");
        Directory.CreateDirectory(model);
        TorchSharp.torch.manual_seed(seed);
        using (var codec = new EncodecModel(config)) Media.Modeling.Checkpoints.Checkpoint.Save(codec, Path.Combine(model, "model.safetensors"));
        File.WriteAllText(Path.Combine(model, "config.json"), config.ToJson());
        return model;
    }
}
