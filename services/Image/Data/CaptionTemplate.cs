namespace Media.Services.Image.Data;

/// <summary>
/// Caption families; each fixes which attributes a caption asks for. Wording variants within a family
/// say the same thing (see <see cref="CaptionComposer"/>).
/// </summary>
public enum CaptionTemplate
{
    /// <summary>"a red circle"</summary>
    ColorShape,
    /// <summary>"a small red circle"</summary>
    SizeColorShape,
    /// <summary>"a red circle in the top left corner"</summary>
    ColorShapeCell,
    /// <summary>"a small red circle in the top left corner"</summary>
    SizeColorShapeCell,
    /// <summary>"a red circle on a gray background"</summary>
    ColorShapeBackground,
    /// <summary>"a small red circle in the center on a teal background"</summary>
    Everything,
    /// <summary>"a red circle to the left of a blue square"</summary>
    Relation,
    /// <summary>"a small red circle above a large blue square"</summary>
    SizedRelation,
    /// <summary>"a red circle below a blue square on a beige background"</summary>
    RelationBackground,
    /// <summary>"two objects: a red circle and a blue square"</summary>
    Pair,
    /// <summary>"two objects: a red circle in the center and a blue square at the top"</summary>
    PairCells,
    /// <summary>"two red circles"</summary>
    Count,
}
