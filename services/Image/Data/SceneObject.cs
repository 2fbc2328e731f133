namespace Media.Services.Image.Data;

/// <summary>One drawn object with its full ground truth: what it is and exactly where it was drawn.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="Color">Its fill colour.</param>
/// <param name="Size">Its size class.</param>
/// <param name="Cell">The grid cell it sits in.</param>
/// <param name="CenterX">Bounding-box centre, pixels from the left edge.</param>
/// <param name="CenterY">Bounding-box centre, pixels from the top edge.</param>
/// <param name="Extent">Bounding-box side (the larger one), pixels.</param>
public sealed record SceneObject(ShapeKind Shape, NamedColor Color, SizeClass Size, GridCell Cell, double CenterX, double CenterY, double Extent);
