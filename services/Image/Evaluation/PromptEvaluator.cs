using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>
/// GenEval-style verdict for one image against the attributes its prompt asks for. The prompt's
/// objects are matched to the detected ones by the one-to-one assignment that satisfies the most
/// checks (a detector-style match: "is there a red circle, and is it left of a blue square");
/// objects left without a detection fail all their checks.
/// </summary>
public static class PromptEvaluator
{
    /// <summary>Analyses the image and checks every criterion the prompt asks.</summary>
    public static SampleEvaluation Evaluate(RgbImage image, PromptSpec prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Evaluate(ImageAnalyzer.Analyze(image), prompt);
    }

    /// <summary>Checks every criterion the prompt asks against an existing analysis.</summary>
    public static SampleEvaluation Evaluate(ImageAnalysis analysis, PromptSpec prompt)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Objects.Count is < 1 or > 2)
            throw new ArgumentException($"Prompts ask for one or two objects; this one asks for {prompt.Objects.Count}.", nameof(prompt));

        Dictionary<Criterion, bool>? best = null;
        int bestScore = -1;
        foreach (var assignment in Assignments(prompt.Objects.Count, analysis.Objects.Count))
        {
            var checks = Check(analysis, prompt, assignment);
            int score = checks.Count(c => c.Value);
            if (score > bestScore) (best, bestScore) = (checks, score);
        }
        return new SampleEvaluation(best!, analysis);
    }

    static Dictionary<Criterion, bool> Check(ImageAnalysis analysis, PromptSpec prompt, int[] assignment)
    {
        var checks = new Dictionary<Criterion, bool>
        {
            [Criterion.Count] = analysis.Objects.Count == prompt.Objects.Count,
            [Criterion.Shape] = true,
        };
        void Require(Criterion criterion, bool ok) => checks[criterion] = (!checks.TryGetValue(criterion, out var so) || so) && ok;

        for (int i = 0; i < prompt.Objects.Count; i++)
        {
            var want = prompt.Objects[i];
            var got = assignment[i] >= 0 ? analysis.Objects[assignment[i]] : null;
            Require(Criterion.Shape, got?.Shape == want.Shape);
            if (want.Color is not null) Require(Criterion.Color, got?.Color == want.Color);
            if (want.Size is not null) Require(Criterion.Size, got?.Size == want.Size);
            if (want.Cell is not null) Require(Criterion.Position, got?.Cell == want.Cell);
        }
        if (prompt.Relation is { } relation)
        {
            bool ok = assignment[0] >= 0 && assignment[1] >= 0
                && analysis.Objects[assignment[0]].RelationTo(analysis.Objects[assignment[1]]) == relation;
            Require(Criterion.Relation, ok);
        }
        if (prompt.Background is not null) Require(Criterion.Background, analysis.Background == prompt.Background);
        return checks;
    }

    // One-to-one maps from prompt objects to detections (-1 = none), detections used at most once.
    static IEnumerable<int[]> Assignments(int wanted, int found)
    {
        if (wanted == 1)
        {
            if (found == 0) yield return [-1];
            for (int a = 0; a < found; a++) yield return [a];
            yield break;
        }
        if (found == 0) { yield return [-1, -1]; yield break; }
        if (found == 1) { yield return [0, -1]; yield return [-1, 0]; yield break; }
        for (int a = 0; a < found; a++)
            for (int b = 0; b < found; b++)
                if (a != b) yield return [a, b];
    }
}
