using Media.Modeling.Checkpoints;
using Media.Services.Song.Model;
using Media.Tokenizers.Audio.Codec;
using static TorchSharp.torch;

namespace Media.Services.Song.Generation;

/// <summary>
/// Loads the served song model: <c>songgen/</c> of the models folder with the codec its tokens belong to
/// (<c>media-codec/</c>). A folder whose config says it was never trained (<c>trained_steps</c> 0) is refused: an untrained
/// model is never served. The codec must match the config's rate, frame rate and codebook size.
/// </summary>
public static class SongGenLoader
{
    /// <summary>The synthesizer of <paramref name="modelsDirectory"/>'s song model, serving up to <paramref name="maxConcurrent"/> songs at once.</summary>
    public static SongSynthesizer Load(string modelsDirectory, Device? device, int maxConcurrent, string codecFolder = "media-codec")
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        return LoadFolder(Path.Combine(modelsDirectory, SongGenerator.ModelFolder), Path.Combine(modelsDirectory, codecFolder), device, maxConcurrent);
    }

    /// <summary>The synthesizer of the model in <paramref name="folder"/> with the codec in <paramref name="codecFolder"/>.</summary>
    public static SongSynthesizer LoadFolder(string folder, string codecFolder, Device? device, int maxConcurrent)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var config = SongGenCheckpoint.ReadConfig(folder);
        if (config.TrainedSteps <= 0)
            throw new InvalidDataException($"'{folder}' holds an untrained SongGen model (trained_steps 0); train one with `media train songgen` first.");
        var codec = NeuralAudioCodec.Load(codecFolder, device);
        try
        {
            var c = codec.Model.Config;
            if (c.SamplingRate != config.SampleRate || c.FrameRate != config.FrameRate || c.CodebookSize != config.CodebookSize || codec.Model.Quantizer.NumQuantizers < config.Codebooks)
                throw new InvalidDataException($"The codec at '{codecFolder}' ({c.SamplingRate} Hz, {c.FrameRate} frames/s, {c.CodebookSize} codes) is not the one '{folder}' was trained on.");
            var model = ModelFolder.Load(folder, () => new SongGenModel(config), device);
            return new SongSynthesizer(new SongStepLoop(model, maxConcurrent), codec);
        }
        catch
        {
            codec.Dispose();
            throw;
        }
    }
}
