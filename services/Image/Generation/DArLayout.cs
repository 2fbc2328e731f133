using System.Text.Json;
using Media.Services.Image.Data;
using Media.Services.Image.Formats;

namespace Media.Services.Image.Generation;

/// <summary>
/// D-AR's layout control, the image job's <c>layout</c> parameter: <c>{"groups": k, "image": base64 PNG/JPEG/WebP}</c> or
/// <c>{"groups": k, "artifact": id}</c> (an earlier image job's output). The first k token groups are the reference's tokens
/// instead of sampled ones, so the early flow steps — which settle the layout — follow the reference, and the caption decides
/// the rest. An uploaded image is read by <see cref="ImageUpload"/>; an artifact is resolved by the worker before the run.
/// </summary>
public sealed record DArLayout(int Groups, RgbImage? Image, string? ArtifactId)
{
    /// <summary>The job parameter's name.</summary>
    public const string Field = "layout";

    /// <summary>
    /// Reads the parameter (already shape-checked against the job kind's schema); an uploaded image is decoded here, an artifact
    /// id only recorded. Throws an <see cref="ArgumentException"/> naming the field.
    /// </summary>
    public static DArLayout Read(JsonElement layout)
    {
        if (layout.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{Field} must be an object {{groups, image | artifact}}.");
        int groups = layout.TryGetProperty("groups", out var g) && g.TryGetInt32(out int k) ? k : 1;
        bool hasImage = layout.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.String;
        bool hasArtifact = layout.TryGetProperty("artifact", out var artifact) && artifact.ValueKind == JsonValueKind.String;
        if (hasImage == hasArtifact) throw new ArgumentException($"{Field}: give exactly one of image (base64) and artifact (an artifact id).");
        if (hasArtifact) return new DArLayout(groups, null, artifact.GetString());
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(image.GetString()!);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{Field}.image: not valid base64.");
        }
        return new DArLayout(groups, ImageUpload.Read(bytes, $"{Field}.image"), null);
    }
}
