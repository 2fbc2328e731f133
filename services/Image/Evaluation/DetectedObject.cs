using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>An object found in an image, with the attributes the analysis decided for it.</summary>
/// <param name="Shape">Best-matching shape template.</param>
/// <param name="ShapeScore">Soft intersection-over-union with that template (1 = perfect).</param>
/// <param name="Color">Nearest palette colour to the object's fill.</param>
/// <param name="Size">Size class from its extent relative to a cell.</param>
/// <param name="Cell">Grid cell of its centroid.</param>
/// <param name="CentroidX">Coverage-weighted centroid, pixels from the left.</param>
/// <param name="CentroidY">Coverage-weighted centroid, pixels from the top.</param>
/// <param name="Area">Covered area in pixels (sum of coverage).</param>
/// <param name="Extent">Larger side of the estimated bounding box, pixels.</param>
public sealed record DetectedObject(ShapeKind Shape, double ShapeScore, NamedColor Color, SizeClass Size, GridCell Cell,
    double CentroidX, double CentroidY, double Area, double Extent)
{
    /// <summary>The relation of this object to another by their centroids, along the axis where they differ most.</summary>
    public SpatialRelation RelationTo(DetectedObject other)
    {
        ArgumentNullException.ThrowIfNull(other);
        double dx = CentroidX - other.CentroidX, dy = CentroidY - other.CentroidY;
        if (Math.Abs(dx) > Math.Abs(dy)) return dx < 0 ? SpatialRelation.LeftOf : SpatialRelation.RightOf;
        return dy < 0 ? SpatialRelation.Above : SpatialRelation.Below;
    }
}
