using Media.Modeling.Checkpoints;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Vocos;
using static TorchSharp.torch;

namespace Media.Services.Audio.Codec;

/// <summary>
/// A media-codec checkpoint of the real EnCodec architecture with seeded random weights, written into a
/// models folder: what integration tests and <c>media bench gateway</c> serve when no trained codec is
/// wanted (the numbers they check or measure do not depend on what the weights learned).
/// </summary>
public static class RandomCodecCheckpoint
{
    /// <summary>A 16 kHz codec small enough to load and run in milliseconds: 4 filters, 8 hidden, 6 codebooks of 16 codes.</summary>
    public static EncodecConfig Tiny { get; } = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [0.6, 1.2] };

    /// <summary>
    /// A Vocos decoder for <see cref="Tiny"/>'s latents, 16 wide but as deep as the committed codec's (8 blocks of kernel 7:
    /// 27 frames of look-ahead, more than a 25-frame song chunk), trained with the encoder as the committed one is.
    /// </summary>
    public static VocosConfig TinyVocos { get; } = new()
    {
        InputChannels = 8, Dim = 16, IntermediateDim = 32, NumLayers = 8, ConditionCodebooks = [.. Enumerable.Range(1, 6)],
        NFft = 1280, HopLength = 320, SampleRate = 16_000, ReplacesDecoder = true,
    };

    /// <summary>
    /// Writes <c>model.safetensors</c> + <c>config.json</c> of <paramref name="config"/> (default <see cref="Tiny"/>)
    /// initialised from <paramref name="seed"/> into <c>{modelsDirectory}/media-codec</c>, and with <paramref name="vocos"/>
    /// that Vocos decoder beside it (as the committed codec has one); returns that folder.
    /// </summary>
    public static string Write(string modelsDirectory, EncodecConfig? config = null, long seed = 5, VocosConfig? vocos = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        config ??= Tiny;
        string folder = Path.Combine(modelsDirectory, CodecServiceExtensions.ModelId);
        Directory.CreateDirectory(folder);
        manual_seed(seed);
        using (var model = new EncodecModel(config)) Checkpoint.Save(model, Path.Combine(folder, "model.safetensors"));
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJson());
        if (vocos is not null)
        {
            vocos.CheckReads(config, nameof(vocos));
            using var decoder = new VocosDecoder(vocos);
            // Vocos' small initial head gives near silence; tests compare the audio, so make it vary.
            using (no_grad())
                foreach (var p in decoder.parameters()) p.add_(0.2 * randn_like(p));
            Checkpoint.Save(decoder, Path.Combine(folder, NeuralAudioCodec.VocosWeightsFile));
            File.WriteAllText(Path.Combine(folder, NeuralAudioCodec.VocosConfigFile), vocos.ToJson());
        }
        else
        {
            File.Delete(Path.Combine(folder, NeuralAudioCodec.VocosWeightsFile));
            File.Delete(Path.Combine(folder, NeuralAudioCodec.VocosConfigFile));
        }
        return folder;
    }
}
