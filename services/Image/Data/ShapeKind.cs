namespace Media.Services.Image.Data;

/// <summary>The shapes the procedural captioned images draw. Order is stable: it indexes word lists and templates.</summary>
public enum ShapeKind
{
    /// <summary>A filled disc.</summary>
    Circle,
    /// <summary>A filled axis-aligned square.</summary>
    Square,
    /// <summary>An isosceles triangle, apex up, as wide as it is tall.</summary>
    Triangle,
    /// <summary>A five-pointed star, one point up.</summary>
    Star,
    /// <summary>A square turned 45 degrees.</summary>
    Diamond,
    /// <summary>A plus sign with thick arms.</summary>
    Cross,
    /// <summary>A disc with a round hole of half its radius.</summary>
    Ring,
}
