using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting.Models;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image;
using Media.Tokenizers.Text;

namespace Media.Services.Image.Generation;

/// <summary>
/// What a token-shuffle checkpoint can draw, from its config.json and its VQ tokenizer's: one image size (the token grid
/// times the tokenizer's downsampling, 64x64 for the committed model) and prompts of at most <c>condition_length - 1</c>
/// caption tokens. Checked at submission, so such a request is a 400 naming the field and the limit, not a failed job.
/// </summary>
public static class TokenShuffleLimits
{
    /// <summary>The limits of one checkpoint: its image side and its caption vocabulary and length.</summary>
    public sealed record Limits(int ImageSize, int PromptTokens, CaptionVocabulary Vocabulary);

    // Keyed by folder and config time: the vocabulary loads GPT-2's BPE tables, too slow to repeat per request.
    static readonly ConcurrentDictionary<(string, DateTime), Limits?> Cache = new();

    /// <summary>The checkpoint's limits, or null when its config cannot be read (loading then fails the job with the reason).</summary>
    public static Limits? Read(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var written = File.GetLastWriteTimeUtc(Path.Combine(modelDirectory, "config.json"));
        return Cache.GetOrAdd((modelDirectory, written), _ =>
        {
            try
            {
                var config = TokenShuffleCheckpoint.ReadConfig(modelDirectory);
                if (config.TextGpt2Ids is null) return null;
                string shared = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelDirectory))!, TokenShuffleGenerator.VqFolder);
                var vq = VqModelFolder.ReadConfig(Path.Combine(TokenShuffleGenerator.VqDirectoryFor(modelDirectory, shared), "config.json"));
                return new Limits(config.GridSize * vq.DownsampleFactor, config.ConditionLength - 1, new CaptionVocabulary(config.TextGpt2Ids));
            }
            catch (Exception ex) when (CaptionImageLimits.IsUnreadable(ex))
            {
                return null;
            }
        });
    }

    /// <summary>The limits as /api/models shows them: <c>sizes</c> (WIDTHxHEIGHT) and <c>prompt_tokens</c>.</summary>
    public static JsonObject? Describe(ModelStatus model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Read(model.Checkpoint) is { } limits ? CaptionImageLimits.Describe(limits.ImageSize, limits.PromptTokens) : null;
    }

    /// <summary>Errors keyed "parameters.name" for image parameters (already valid for the kind) this checkpoint cannot draw.</summary>
    public static IReadOnlyDictionary<string, string[]> Check(ModelStatus model, JsonElement parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Read(model.Checkpoint) is not { } limits || parameters.ValueKind != JsonValueKind.Object) return errors;
        CaptionImageLimits.CheckSizeAndPrompts(errors, model.Id, parameters, limits.ImageSize, limits.PromptTokens, limits.Vocabulary,
            " (a short phrase such as \"a red circle to the left of a blue square\")");
        return errors;
    }
}
