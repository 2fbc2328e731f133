namespace Media.Services.Image.Data;

/// <summary>Where the first object of a pair lies relative to the second, along the axis where their cells differ most.</summary>
public enum SpatialRelation
{
    /// <summary>The first object's column is smaller, and columns differ more than rows.</summary>
    LeftOf,
    /// <summary>The first object's column is larger, and columns differ more than rows.</summary>
    RightOf,
    /// <summary>The first object's row is smaller (nearer the top), and rows differ more than columns.</summary>
    Above,
    /// <summary>The first object's row is larger, and rows differ more than columns.</summary>
    Below,
}
