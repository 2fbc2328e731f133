namespace Media.Services.Image.Evaluation;

/// <summary>What the evaluator checks; a sample is correct only when every attribute its prompt asks is right.</summary>
public enum Criterion
{
    /// <summary>Number of objects found equals the number asked (always asked).</summary>
    Count,
    /// <summary>Each object's colour (when the prompt names colours).</summary>
    Color,
    /// <summary>Each object's shape (always asked).</summary>
    Shape,
    /// <summary>Each object's size class (when the prompt names sizes).</summary>
    Size,
    /// <summary>Each object's grid cell (when the prompt names positions).</summary>
    Position,
    /// <summary>The relation between the two objects (when the prompt states one).</summary>
    Relation,
    /// <summary>The background colour (when the prompt names it).</summary>
    Background,
}
