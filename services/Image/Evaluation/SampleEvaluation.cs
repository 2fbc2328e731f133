namespace Media.Services.Image.Evaluation;

/// <summary>The verdict on one image: for each attribute its prompt asks, whether the image shows it.</summary>
public sealed record SampleEvaluation(IReadOnlyDictionary<Criterion, bool> Checks, ImageAnalysis Analysis)
{
    /// <summary>GenEval's rule: right only if every asked attribute is right.</summary>
    public bool Correct => Checks.Values.All(ok => ok);
}
