namespace Media.Services.Image.Data;

/// <summary>
/// One object as a caption asks for it: the shape is always named; colour, size and cell only when the
/// caption says them (null = not asked, any value is right).
/// </summary>
public sealed record PromptObject(ShapeKind Shape, NamedColor? Color, SizeClass? Size, GridCell? Cell)
{
    /// <summary>A stable text form, used for held-out splits and logs.</summary>
    public string Signature =>
        $"{Size?.ToString() ?? "-"} {Color?.Name ?? "-"} {Shape} {(Cell is { } c ? c.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}";
}
