using Media.Services.Image.TokenShuffle;

namespace Media.Services.Image.Generation;

/// <summary>A generator's model is only meaningful with the tokenizer weights it was trained on: both record and check their hash.</summary>
public static class TokenizerPairing
{
    /// <summary>
    /// Throws <see cref="InvalidDataException"/> when <paramref name="expectedSha256"/> (from the model's config; null: not recorded)
    /// differs from the hash of <paramref name="tokenizerWeights"/>, naming both folders and <paramref name="retrain"/>.
    /// </summary>
    public static void Require(string? expectedSha256, string tokenizerWeights, string modelDirectory, string what, string retrain)
    {
        if (expectedSha256 is not { } expected) return;
        string actual = TokenShuffleCheckpoint.Sha256(tokenizerWeights);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{modelDirectory} was trained on {what} weights {expected[..12]}..., but {Path.GetDirectoryName(tokenizerWeights)} holds {actual[..12]}...; its output would decode to noise. Retrain it ({retrain}) on this {what}.");
    }

    /// <summary>
    /// Checks the pairing (<see cref="Require"/>), loads the tokenizer with <paramref name="loadTokenizer"/>, then builds what serves
    /// the model with it (<paramref name="serve"/> loads the model); the tokenizer is disposed when that fails, and owned by the result otherwise.
    /// </summary>
    public static TServer Load<TTokenizer, TServer>(string? expectedSha256, string tokenizerWeights, string modelDirectory, string what, string retrain,
        Func<TTokenizer> loadTokenizer, Func<TTokenizer, TServer> serve) where TTokenizer : IDisposable
    {
        ArgumentNullException.ThrowIfNull(loadTokenizer);
        ArgumentNullException.ThrowIfNull(serve);
        Require(expectedSha256, tokenizerWeights, modelDirectory, what, retrain);
        var tokenizer = loadTokenizer();
        try
        {
            return serve(tokenizer);
        }
        catch
        {
            tokenizer.Dispose();
            throw;
        }
    }
}
