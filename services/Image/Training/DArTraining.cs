using Media.Services.Image.Generation;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image.DAr;
using Media.Tokenizers.Text;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>
/// What D-AR's AR model adds to the Token-Shuffle recipe (<see cref="TokenShuffleTraining"/>, which trains it): the shape —
/// LlamaGen's GPT with 1D RoPE (s = 1) over the tokenizer's token sequence, kept as a square grid only so the shared
/// dataset and model code can hold it — the tokenizer as the encoder, and the model folder's <c>tokenizer/</c> copy.
/// </summary>
public static class DArTraining
{
    /// <summary>The GPT's config over <paramref name="tokenizer"/> (whose weights hash to <paramref name="tokenizerSha256"/>), validated.</summary>
    public static TokenShuffleConfig ConfigFor(TokenShuffleTrainingOptions options, DArTokenizerConfig tokenizer, string tokenizerSha256)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokenizer);
        int side = (int)Math.Round(Math.Sqrt(tokenizer.Tokens));
        if (side * side != tokenizer.Tokens) throw new ArgumentException($"The tokenizer's {tokenizer.Tokens} tokens are not a square number; the shared token dataset keeps them as a square grid.");
        var vocabulary = CaptionVocabulary.FromWords(Data.CaptionWords.All);
        var config = new TokenShuffleConfig
        {
            Dim = options.Dim, NLayer = options.Layers, NHead = options.Heads, CodebookSize = tokenizer.CodebookSize, GridSize = side, Shuffle = 1,
            RopeAxes = 1, ConditionVocabSize = CaptionConditioning.ConditionVocabSize(vocabulary), ConditionLength = options.TextLength + 1,
            ConditionRotation = Modeling.Transformers.PrefixRotation.Identity, TextGpt2Ids = vocabulary.Gpt2Ids.ToArray(), VqSha256 = tokenizerSha256,
        };
        config.Validate();
        return config;
    }

    /// <summary>Images [B, 3, H, W] to token grids [B, side, side] (the token sequence row-major).</summary>
    public static Func<Tensor, Tensor> Encoder(DArTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        int side = (int)Math.Round(Math.Sqrt(tokenizer.Config.Tokens));
        return images => tokenizer.Encode(images).view(images.shape[0], side, side);
    }

    /// <summary>Copies the tokenizer folder into <paramref name="modelDirectory"/>/tokenizer, which the generator loads and checks by hash.</summary>
    public static void CopyTokenizer(string tokenizerDirectory, string modelDirectory)
    {
        string target = Path.Combine(modelDirectory, TokenShuffleGenerator.BundledVqFolder);
        if (Path.GetFullPath(target) == Path.GetFullPath(tokenizerDirectory)) return;
        Directory.CreateDirectory(target);
        foreach (var name in new[] { DArTokenizerFolder.ConfigFile, DArTokenizerFolder.WeightsFile })
            File.Copy(Path.Combine(tokenizerDirectory, name), Path.Combine(target, name), overwrite: true);
    }
}
