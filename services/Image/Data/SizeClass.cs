namespace Media.Services.Image.Data;

/// <summary>Object size relative to a grid cell (see <see cref="SceneLayout"/> for the fractions).</summary>
public enum SizeClass
{
    /// <summary>Half a cell wide.</summary>
    Small,
    /// <summary>Four fifths of a cell wide.</summary>
    Large,
}
