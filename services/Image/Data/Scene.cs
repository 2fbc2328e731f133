namespace Media.Services.Image.Data;

/// <summary>Everything drawn in one image: its size, background and one or two objects.</summary>
public sealed record Scene(int ImageSize, NamedColor Background, IReadOnlyList<SceneObject> Objects)
{
    /// <summary>The relation of the first object to the second, decided by their cells; null for one object or a diagonal.</summary>
    public SpatialRelation? Relation => Objects.Count == 2 ? Objects[0].Cell.RelationTo(Objects[1].Cell) : null;
}
