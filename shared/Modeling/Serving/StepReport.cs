namespace Media.Modeling.Serving;

/// <summary>What one scheduler step did: rows decoded, prompt tokens prefilled, and who joined or left.</summary>
public sealed record StepReport(
    long Step,
    int DecodeRows,
    int PrefillTokens,
    IReadOnlyList<Guid> Joined,
    IReadOnlyList<Guid> Finished,
    IReadOnlyList<Guid> Cancelled,
    IReadOnlyList<Guid> Failed)
{
    /// <summary>Token positions the model processed in this step (what the budget limits).</summary>
    public int Tokens => DecodeRows + PrefillTokens;
}
