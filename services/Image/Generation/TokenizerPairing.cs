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
}
