using Media.Services.Image.Data;

namespace Media.Services.Image.MagicMix;

/// <summary>
/// One evaluation pair: a held-out single-object scene whose image (image-text mode) or caption (text-text mode) gives the
/// layout, and a content prompt naming a different colour and a different shape ("a blue star" into a red square's place).
/// </summary>
public sealed record MixPair(CaptionedImage Layout, string ContentCaption, PromptSpec Content)
{
    /// <summary>
    /// The first <paramref name="count"/> single-object held-out scenes, each with a content prompt whose colour and shape both
    /// differ from the layout object's, drawn deterministically from <paramref name="seed"/>.
    /// </summary>
    public static IReadOnlyList<MixPair> Draw(int count, int imageSize = 64, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var generator = new CaptionedImageGenerator(imageSize, seed);
        var pairs = new List<MixPair>(count);
        var shapes = Enum.GetValues<ShapeKind>();
        for (long index = 0; pairs.Count < count; index++)
        {
            var layout = generator.Generate(DataSplit.HeldOut, index);
            if (layout.Scene.Objects.Count != 1) continue;
            var source = layout.Scene.Objects[0];
            var rng = new DeterministicRandom(DeterministicRandom.Mix(seed, 0x4D49585UL, (ulong)index));
            ShapeKind shape;
            NamedColor color;
            do shape = rng.Pick(shapes); while (shape == source.Shape);
            do color = rng.Pick(Palette.ObjectColors); while (color == source.Color || color == layout.Scene.Background);
            var content = new PromptSpec([new PromptObject(shape, color, null, null)], null, null);
            pairs.Add(new MixPair(layout, CaptionComposer.Compose(CaptionTemplate.ColorShape, 0, content), content));
        }
        return pairs;
    }
}
