using Media.Modeling.Checkpoints;
using Media.Services.Song.Generation;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Kmeans;
using static TorchSharp.torch;

namespace Media.Services.Song.LeVo.Generation;

/// <summary>
/// Loads the served LeVo model: <c>levo/</c> of the models folder (the LeLM and its tokenizer in <c>levo/tokenizer</c>)
/// with the codec the tokenizer clusters (<c>media-codec/</c>). A folder whose stages are not both trained is refused: an
/// untrained model is never served.
/// </summary>
public static class LeVoLoader
{
    /// <summary>The synthesizer of <paramref name="modelsDirectory"/>'s LeVo model, serving up to <paramref name="maxConcurrent"/> songs at once.</summary>
    public static LeVoSynthesizer Load(string modelsDirectory, Device? device, int maxConcurrent, string codecFolder = "media-codec")
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        return LoadFolder(Path.Combine(modelsDirectory, SongGenerator.LeVoFolder), Path.Combine(modelsDirectory, codecFolder), device, maxConcurrent);
    }

    /// <summary>The synthesizer of the model in <paramref name="folder"/> with the codec in <paramref name="codecFolder"/>.</summary>
    public static LeVoSynthesizer LoadFolder(string folder, string codecFolder, Device? device, int maxConcurrent)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var config = LeVoCheckpoint.ReadConfig(folder);
        if (!config.IsTrained)
            throw new InvalidDataException($"'{folder}' holds a LeVo model whose stages are not both trained (lm_steps {config.LmSteps}, decoder_steps {config.DecoderSteps}); train it with `media train levo` first.");
        var codec = NeuralAudioCodec.Load(codecFolder, device);
        CodecLatentTokenizer? tokenizer = null;
        try
        {
            tokenizer = CodecLatentTokenizer.Load(Path.Combine(folder, LeVoCheckpoint.TokenizerFolder), codec);
            if (tokenizer.VocabularySize != config.CodeSize || tokenizer.SampleRate != config.SampleRate || Math.Abs(tokenizer.TokenRate - config.TokenRate) > 1e-9)
                throw new InvalidDataException($"The tokenizer in '{folder}' ({tokenizer.VocabularySize} tokens at {tokenizer.TokenRate}/s) is not the one the model was trained on.");
            var model = ModelFolder.Load(folder, () => new LeLmModel(config), device);
            return new LeVoSynthesizer(new LeVoStepLoop(model, maxConcurrent), codec, tokenizer);
        }
        catch
        {
            tokenizer?.Dispose();
            codec.Dispose();
            throw;
        }
    }
}
