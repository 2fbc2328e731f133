using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// How well D-AR's layout control (the first k token groups taken from a reference image) carries the reference's layout:
/// each prompt asks for one object without saying where, its reference is a held-out scene of one object, and the
/// measure is the share of the objects found in the generated image that sit in the reference object's cell. With no
/// groups fixed the same share is the chance level the layout must beat (about 1/9 with objects spread over the grid).
/// </summary>
public static class LayoutControl
{
    /// <summary>Where the references start in the held-out split: far from the prompts', so no scene is its own reference.</summary>
    public const long ReferenceStart = 100_000;

    /// <summary>
    /// The first <paramref name="count"/> held-out prompts that ask for one object and leave its cell free, each with a
    /// reference: the next held-out scene (from <see cref="ReferenceStart"/> on) that draws one object.
    /// </summary>
    public static IReadOnlyList<(CaptionedImage Prompt, CaptionedImage Reference)> Pairs(CaptionedImageGenerator data, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var prompts = Scan(data, 0, s => s.Prompt.Objects.Count == 1 && s.Prompt.Objects[0].Cell is null).Take(count);
        var references = Scan(data, ReferenceStart, s => s.Scene.Objects.Count == 1);
        return [.. prompts.Zip(references)];
    }

    static IEnumerable<CaptionedImage> Scan(CaptionedImageGenerator data, long start, Func<CaptionedImage, bool> keep)
    {
        for (long i = start; ; i++)
        {
            var sample = data.Generate(DataSplit.HeldOut, i);
            if (keep(sample)) yield return sample;
        }
    }

    /// <summary>The objects found in each generated image and how many of them sit in its reference's cell.</summary>
    public static CellShare Measure(IEnumerable<(RgbImage Generated, GridCell ReferenceCell)> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int found = 0, inCell = 0;
        foreach (var (generated, cell) in images)
        {
            var objects = ImageAnalyzer.Analyze(generated).Objects;
            found += objects.Count;
            inCell += objects.Count(o => o.Cell == cell);
        }
        return new CellShare(found, inCell);
    }
}

/// <summary>Objects found, and how many of them in the reference's cell.</summary>
public sealed record CellShare(int Objects, int InReferenceCell)
{
    /// <summary>The share in the reference's cell; null when no object was found.</summary>
    public double? Share => Objects == 0 ? null : (double)InReferenceCell / Objects;
}
