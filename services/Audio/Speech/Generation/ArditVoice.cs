using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// Loads an ARDiT voice (the committed models/ardit-tts, or its one-step distilled student models/ardit-tts-1step) with
/// its latent decoder into a <see cref="StreamingSpeechSynthesizer"/>.
/// </summary>
public static class ArditVoice
{
    /// <summary>Models folder (and model id) of the voice trained on data.</summary>
    public const string Teacher = "ardit-tts";

    /// <summary>Models folder (and model id) of the voice distilled to one network evaluation per block (<c>media train tts-distill</c>).</summary>
    public const string Student = "ardit-tts-1step";

    /// <summary>Models folder (and model id) of the voice fine-tuned with fill-in-the-middle (<c>media train tts --fill-in-middle</c>): it speaks, and edits with what follows the span in view.</summary>
    public const string Infilling = "ardit-tts-fim";

    /// <summary>The models folder of the CTC recognizer whose alignments the voices were trained on, and which locates the words of an edit.</summary>
    public const string Aligner = "asr-ctc";

    /// <summary>The synthesizer of the voice <paramref name="name"/> in <paramref name="modelsDirectory"/>; clear errors when a part is missing.</summary>
    /// <paramref name="dtype"/>: the DiT's weights and cache (bfloat16 halves them; latents and velocities stay float32).
    public static StreamingSpeechSynthesizer Load(string modelsDirectory, Device device, string name = Teacher, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return LoadFolder(Path.Combine(modelsDirectory, name), modelsDirectory, device, dtype);
    }

    /// <summary>The synthesizer of the voice in <paramref name="folder"/>, decoded by the latent decoder in <paramref name="modelsDirectory"/>.</summary>
    public static StreamingSpeechSynthesizer LoadFolder(string folder, string modelsDirectory, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        var config = SpeechModelFolder.ReadConfig<ArditVoiceConfig>(folder);
        var model = new ArditModel(config.Model);
        SpeechModelFolder.LoadWeights(model, folder, device, ArditModel.CheckpointRenames);
        if (dtype != ScalarType.Float32) model.to(dtype);
        var decoder = VaeVocoderDecoder.Load(modelsDirectory, device);
        return new StreamingSpeechSynthesizer(model, FrontEndTextEncoder.Default, config.Duration, decoder, config.TrainedBlockSizes, config.Steps)
        {
            FillInMiddle = config.FillInMiddle is > 0,
        };
    }
}
