namespace Media.Services.Image.Data;

/// <summary>
/// The attributes a caption asks for: the objects (their count is always asked), the relation of the
/// first to the second when the caption states one, and the background when it names one. This is
/// what the evaluator checks and what held-out splits are drawn over.
/// </summary>
public sealed record PromptSpec(IReadOnlyList<PromptObject> Objects, SpatialRelation? Relation, NamedColor? Background)
{
    /// <summary>
    /// A canonical text form of the asked attributes, independent of wording: a relation is written
    /// as left-of or above (swapping the objects when needed), and an unrelated pair is sorted.
    /// </summary>
    public string Signature
    {
        get
        {
            var objects = Objects.Select(o => o.Signature).ToList();
            var relation = Relation;
            if (relation is SpatialRelation.RightOf or SpatialRelation.Below)
            {
                objects.Reverse();
                relation = relation == SpatialRelation.RightOf ? SpatialRelation.LeftOf : SpatialRelation.Above;
            }
            else if (relation is null)
            {
                objects.Sort(StringComparer.Ordinal);
            }
            return $"{string.Join(" | ", objects)} / {relation?.ToString() ?? "-"} / {Background?.Name ?? "-"}";
        }
    }
}
