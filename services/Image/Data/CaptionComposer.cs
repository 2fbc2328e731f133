namespace Media.Services.Image.Data;

/// <summary>Writes the English caption for a prompt in one of its template's wording variants.</summary>
public static class CaptionComposer
{
    /// <summary>How many wording variants a template has.</summary>
    public static int VariantCount(CaptionTemplate template) => template switch
    {
        CaptionTemplate.ColorShape => 3,
        CaptionTemplate.SizeColorShape => 2,
        CaptionTemplate.ColorShapeCell => 2,
        CaptionTemplate.SizeColorShapeCell => 2,
        CaptionTemplate.Pair => 2,
        CaptionTemplate.Count => 2,
        _ => 1,
    };

    /// <summary>The attributes a template asks for, taken from a scene (the rest left null).</summary>
    public static PromptSpec Ask(CaptionTemplate template, Scene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        int expected = ObjectCount(template);
        if (scene.Objects.Count != expected)
            throw new ArgumentException($"Template {template} describes {expected} object(s); the scene has {scene.Objects.Count}.", nameof(scene));
        bool color = true, size = false, cell = false, relation = false, background = false;
        switch (template)
        {
            case CaptionTemplate.SizeColorShape: size = true; break;
            case CaptionTemplate.ColorShapeCell: cell = true; break;
            case CaptionTemplate.SizeColorShapeCell: size = cell = true; break;
            case CaptionTemplate.ColorShapeBackground: background = true; break;
            case CaptionTemplate.Everything: size = cell = background = true; break;
            case CaptionTemplate.Relation: relation = true; break;
            case CaptionTemplate.SizedRelation: relation = size = true; break;
            case CaptionTemplate.RelationBackground: relation = background = true; break;
            case CaptionTemplate.PairCells: cell = true; break;
        }
        if (relation && scene.Relation is null)
            throw new ArgumentException("A relation template needs a scene whose cells have a dominant axis.", nameof(scene));
        var objects = scene.Objects
            .Select(o => new PromptObject(o.Shape, color ? o.Color : null, size ? o.Size : null, cell ? o.Cell : null))
            .ToArray();
        return new PromptSpec(objects, relation ? scene.Relation : null, background ? scene.Background : null);
    }

    /// <summary>Number of objects a template describes.</summary>
    public static int ObjectCount(CaptionTemplate template) => template >= CaptionTemplate.Relation ? 2 : 1;

    /// <summary>The caption text for a prompt made by <see cref="Ask"/> from the same template.</summary>
    public static string Compose(CaptionTemplate template, int variant, PromptSpec prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(variant);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(variant, VariantCount(template));
        var o = prompt.Objects;
        string Noun(int i) => Phrase(o[i].Size, o[i].Color, CaptionWords.Shape(o[i].Shape));
        string At(int i) => CaptionWords.CellPhrase(o[i].Cell ?? throw new ArgumentException("The prompt asks no cell.", nameof(prompt)));
        string On() => $"on a {(prompt.Background ?? throw new ArgumentException("The prompt asks no background.", nameof(prompt))).Name} background";
        string Rel() => CaptionWords.Relation(prompt.Relation ?? throw new ArgumentException("The prompt asks no relation.", nameof(prompt)));

        return (template, variant) switch
        {
            (CaptionTemplate.ColorShape, 0) or (CaptionTemplate.SizeColorShape, 0) => $"a {Noun(0)}",
            (CaptionTemplate.ColorShape, 1) or (CaptionTemplate.SizeColorShape, 1) => $"a picture of a {Noun(0)}",
            (CaptionTemplate.ColorShape, 2) => $"one {Noun(0)}",
            (CaptionTemplate.ColorShapeCell, 0) or (CaptionTemplate.SizeColorShapeCell, 0) => $"a {Noun(0)} {At(0)}",
            (CaptionTemplate.ColorShapeCell, 1) or (CaptionTemplate.SizeColorShapeCell, 1) => $"{At(0)} there is a {Noun(0)}",
            (CaptionTemplate.ColorShapeBackground, 0) => $"a {Noun(0)} {On()}",
            (CaptionTemplate.Everything, 0) => $"a {Noun(0)} {At(0)} {On()}",
            (CaptionTemplate.Relation, 0) or (CaptionTemplate.SizedRelation, 0) => $"a {Noun(0)} {Rel()} a {Noun(1)}",
            (CaptionTemplate.RelationBackground, 0) => $"a {Noun(0)} {Rel()} a {Noun(1)} {On()}",
            (CaptionTemplate.Pair, 0) => $"two objects: a {Noun(0)} and a {Noun(1)}",
            (CaptionTemplate.Pair, 1) => $"a {Noun(0)} and a {Noun(1)}",
            (CaptionTemplate.PairCells, 0) => $"two objects: a {Noun(0)} {At(0)} and a {Noun(1)} {At(1)}",
            (CaptionTemplate.Count, 0) => $"two {Phrase(o[0].Size, o[0].Color, CaptionWords.ShapePlural(o[0].Shape))}",
            (CaptionTemplate.Count, 1) => $"a pair of {Phrase(o[0].Size, o[0].Color, CaptionWords.ShapePlural(o[0].Shape))}",
            _ => throw new ArgumentOutOfRangeException(nameof(template), template, "Unknown template."),
        };
    }

    static string Phrase(SizeClass? size, NamedColor? color, string noun)
    {
        var words = new List<string>(3);
        if (size is { } s) words.Add(CaptionWords.Size(s));
        if (color is not null) words.Add(color.Name);
        words.Add(noun);
        return string.Join(' ', words);
    }
}
