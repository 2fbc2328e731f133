namespace Media.Services.Image.Data;

/// <summary>
/// Procedural captioned images, deterministic by (seed, split, index): a template picks which
/// attributes the caption asks for, a scene consistent with it is drawn at random, rendered with
/// anti-aliasing and captioned. Samples of a split only ever carry prompts of that split.
/// </summary>
public sealed class CaptionedImageGenerator
{
    /// <summary>Smallest supported image side: below it small objects are a handful of pixels.</summary>
    public const int MinImageSize = 24;

    const int MaxAttempts = 10_000;
    readonly ulong seed;

    /// <summary>A generator for square images of <paramref name="imageSize"/> pixels.</summary>
    public CaptionedImageGenerator(int imageSize = 64, ulong seed = 0)
    {
        if (imageSize < MinImageSize)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, $"Images must be at least {MinImageSize} pixels wide.");
        ImageSize = imageSize;
        this.seed = seed;
    }

    /// <summary>Image side in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>All caption families, each drawn equally often.</summary>
    public static IReadOnlyList<CaptionTemplate> Templates { get; } = Enum.GetValues<CaptionTemplate>();

    /// <summary>The sample at <paramref name="index"/> of a split.</summary>
    public CaptionedImage Generate(DataSplit split, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var rng = new DeterministicRandom(DeterministicRandom.Mix(seed, (ulong)split, (ulong)index));
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var template = rng.Pick(Templates);
            var scene = SampleScene(template, rng);
            var prompt = CaptionComposer.Ask(template, scene);
            if (PromptSplit.Of(prompt) != split) continue;
            var caption = CaptionComposer.Compose(template, rng.Next(CaptionComposer.VariantCount(template)), prompt);
            return new CaptionedImage(SceneRenderer.Render(scene), caption, template, prompt, scene, split, index);
        }
        throw new InvalidOperationException($"No {split} prompt found in {MaxAttempts} draws; the split rule is broken.");
    }

    /// <summary><paramref name="count"/> consecutive samples of a split starting at <paramref name="start"/>.</summary>
    public IEnumerable<CaptionedImage> Take(DataSplit split, int count, long start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (long i = start; i < start + count; i++) yield return Generate(split, i);
    }

    Scene SampleScene(CaptionTemplate template, DeterministicRandom rng)
    {
        var background = rng.Pick(Palette.BackgroundColors);
        var shapes = Enum.GetValues<ShapeKind>();
        var shape0 = rng.Pick(shapes);
        var color0 = rng.Pick(Palette.ObjectColors);
        if (CaptionComposer.ObjectCount(template) == 1)
            return new Scene(ImageSize, background, [Place(shape0, color0, RandomSize(rng), rng.Pick(GridCell.All), rng)]);

        ShapeKind shape1;
        NamedColor color1;
        if (template == CaptionTemplate.Count)
        {
            (shape1, color1) = (shape0, color0);
        }
        else
        {
            // Two different-looking objects, so the caption names each unambiguously.
            do { (shape1, color1) = (rng.Pick(shapes), rng.Pick(Palette.ObjectColors)); }
            while (shape1 == shape0 && color1 == color0);
        }

        SpatialRelation? wanted = template is CaptionTemplate.Relation or CaptionTemplate.SizedRelation or CaptionTemplate.RelationBackground
            ? rng.Pick(Enum.GetValues<SpatialRelation>())
            : null;
        GridCell cell0, cell1;
        do { (cell0, cell1) = (rng.Pick(GridCell.All), rng.Pick(GridCell.All)); }
        while (cell0 == cell1 || (wanted is not null && cell0.RelationTo(cell1) != wanted));

        return new Scene(ImageSize, background,
            [Place(shape0, color0, RandomSize(rng), cell0, rng), Place(shape1, color1, RandomSize(rng), cell1, rng)]);
    }

    static SizeClass RandomSize(DeterministicRandom rng) => rng.Next(2) == 0 ? SizeClass.Small : SizeClass.Large;

    SceneObject Place(ShapeKind shape, NamedColor color, SizeClass size, GridCell cell, DeterministicRandom rng)
    {
        var (cx, cy) = SceneLayout.CellCenter(cell, ImageSize);
        double jitter = SceneLayout.MaxJitter(size, ImageSize);
        double extent = SceneLayout.ExtentFraction(size) * SceneLayout.CellSize(ImageSize);
        return new SceneObject(shape, color, size, cell, cx + rng.Symmetric(jitter), cy + rng.Symmetric(jitter), extent);
    }
}
