using System.Text.Json;
using System.Text.Json.Nodes;
using Media.Hosting.Models;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image.DAr;
using Media.Tokenizers.Text;

namespace Media.Services.Image.Generation;

/// <summary>
/// What the `d-ar` checkpoint can draw (its tokenizer's image size, its caption length, its token groups) and the layout
/// reference checked at submission, so a bad uploaded image is a 400 naming <c>parameters.layout.image</c>, not a failed job.
/// </summary>
public static class DArLimits
{
    /// <summary>The limits of one checkpoint.</summary>
    public sealed record Limits(int ImageSize, int PromptTokens, int Groups, CaptionVocabulary Vocabulary);

    /// <summary>The checkpoint's limits, or null when its files cannot be read (loading then fails the job with the reason).</summary>
    public static Limits? Read(string modelDirectory)
    {
        try
        {
            var config = TokenShuffleCheckpoint.ReadConfig(modelDirectory);
            var tokenizer = DArTokenizerFolder.ReadConfig(Path.Combine(modelDirectory, DArGenerator.TokenizerFolder, DArTokenizerFolder.ConfigFile));
            return config.TextGpt2Ids is null ? null
                : new Limits(tokenizer.ImageSize, config.ConditionLength - 1, tokenizer.Groups, new CaptionVocabulary(config.TextGpt2Ids));
        }
        catch (Exception ex) when (CaptionImageLimits.IsUnreadable(ex))
        {
            return null;
        }
    }

    /// <summary>The limits as /api/models shows them.</summary>
    public static JsonObject? Describe(ModelStatus model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Read(model.Checkpoint) is not { } limits) return null;
        var described = CaptionImageLimits.Describe(limits.ImageSize, limits.PromptTokens);
        described["layout_groups"] = limits.Groups;
        return described;
    }

    /// <summary>Errors keyed "parameters.name" for image parameters this checkpoint cannot draw, the layout reference included.</summary>
    public static IReadOnlyDictionary<string, string[]> Check(ModelStatus model, JsonElement parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.ValueKind != JsonValueKind.Object) return errors;
        // The reference image is checked even without a checkpoint: a bad upload is the caller's mistake either way.
        if (parameters.TryGetProperty(DArLayout.Field, out var layout))
        {
            try
            {
                var read = DArLayout.Read(layout);
                if (Read(model.Checkpoint) is { } l && (read.Groups < 1 || read.Groups > l.Groups))
                    errors["parameters.layout.groups"] = [$"must lie in 1..{l.Groups}: {model.Id} has {l.Groups} token groups"];
            }
            catch (ArgumentException e)
            {
                string field = e.Message.StartsWith("layout.image", StringComparison.Ordinal) ? "parameters.layout.image" : "parameters.layout";
                errors[field] = [e.Message];
            }
        }
        if (Read(model.Checkpoint) is not { } limits) return errors;
        CaptionImageLimits.CheckSizeAndPrompts(errors, model.Id, parameters, limits.ImageSize, limits.PromptTokens, limits.Vocabulary);
        return errors;
    }
}
