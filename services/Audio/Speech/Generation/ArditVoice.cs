using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>Loads the committed ARDiT voice (models/ardit-tts) with its latent decoder into a <see cref="StreamingSpeechSynthesizer"/>.</summary>
public static class ArditVoice
{
    /// <summary>The synthesizer of the voice in <paramref name="modelsDirectory"/>; clear errors when a part is missing.</summary>
    public static StreamingSpeechSynthesizer Load(string modelsDirectory, Device device)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        string folder = Path.Combine(modelsDirectory, "ardit-tts");
        var config = SpeechModelFolder.ReadConfig<ArditVoiceConfig>(folder);
        var model = new ArditModel(config.Model);
        SpeechModelFolder.LoadWeights(model, folder, device, ArditModel.CheckpointRenames);
        var decoder = VaeVocoderDecoder.Load(modelsDirectory, device);
        return new StreamingSpeechSynthesizer(model, FrontEndTextEncoder.Default, config.Duration, decoder, config.TrainedBlockSizes);
    }
}
