namespace Media.Services.Image.Data;

/// <summary>The English words the captions use for each attribute, and the full word list captions are made of.</summary>
public static class CaptionWords
{
    static readonly string[] ShapeNames = ["circle", "square", "triangle", "star", "diamond", "cross", "ring"];
    static readonly string[] ShapePlurals = ["circles", "squares", "triangles", "stars", "diamonds", "crosses", "rings"];
    static readonly string[] CellNames = ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"];
    static readonly string[] CellPhrases =
    [
        "in the top left corner", "at the top", "in the top right corner",
        "on the left", "in the center", "on the right",
        "in the bottom left corner", "at the bottom", "in the bottom right corner",
    ];

    /// <summary>Every word (and the colon) that appears in the fixed parts of the templates.</summary>
    static readonly string[] TemplateWords =
        ["a", "picture", "of", "one", "there", "is", "on", "background", "two", "objects", ":", "and", "pair", "to", "the", "left", "right", "above", "below"];

    /// <summary>The singular noun for a shape.</summary>
    public static string Shape(ShapeKind shape) => ShapeNames[(int)shape];

    /// <summary>The plural noun for a shape.</summary>
    public static string ShapePlural(ShapeKind shape) => ShapePlurals[(int)shape];

    /// <summary>The adjective for a size class.</summary>
    public static string Size(SizeClass size) => size == SizeClass.Small ? "small" : "large";

    /// <summary>The short name of a cell ("top left", "center").</summary>
    public static string CellName(GridCell cell) => CellNames[cell.Index];

    /// <summary>The phrase placing an object in a cell ("in the top left corner").</summary>
    public static string CellPhrase(GridCell cell) => CellPhrases[cell.Index];

    /// <summary>The phrase for a relation ("to the left of").</summary>
    public static string Relation(SpatialRelation relation) => relation switch
    {
        SpatialRelation.LeftOf => "to the left of",
        SpatialRelation.RightOf => "to the right of",
        SpatialRelation.Above => "above",
        SpatialRelation.Below => "below",
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "Unknown relation."),
    };

    /// <summary>
    /// Every word any caption can contain, each once, in a fixed order; a vocabulary built from this
    /// list covers every caption (a caption is these words joined by single spaces, the colon attached
    /// to the word before it).
    /// </summary>
    public static IReadOnlyList<string> All { get; } = BuildAll();

    static string[] BuildAll()
    {
        var words = new List<string>();
        void Add(string phrase)
        {
            foreach (var w in phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (!words.Contains(w)) words.Add(w);
        }
        foreach (var w in TemplateWords) Add(w);
        foreach (var w in ShapeNames) Add(w);
        foreach (var w in ShapePlurals) Add(w);
        Add("small large");
        foreach (var c in Palette.ObjectColors) Add(c.Name);
        foreach (var c in Palette.BackgroundColors) Add(c.Name);
        foreach (var p in CellPhrases) Add(p);
        foreach (var r in Enum.GetValues<SpatialRelation>()) Add(Relation(r));
        return words.ToArray();
    }
}
