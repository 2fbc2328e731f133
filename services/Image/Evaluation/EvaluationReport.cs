using System.Globalization;
using System.Text;
using Media.Services.Image.Data;

namespace Media.Services.Image.Evaluation;

/// <summary>Per-criterion accuracy over many samples (each over the samples that ask it) and the overall GenEval score.</summary>
public sealed class EvaluationReport
{
    readonly Dictionary<Criterion, (int Right, int Asked)> tallies = [];

    /// <summary>Samples added.</summary>
    public int Samples { get; private set; }

    /// <summary>Samples with every asked criterion right.</summary>
    public int CorrectSamples { get; private set; }

    /// <summary>Fraction of samples with every asked criterion right.</summary>
    public double Overall => Samples == 0 ? 0 : CorrectSamples / (double)Samples;

    /// <summary>Adds one sample's verdict.</summary>
    public void Add(SampleEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Samples++;
        if (evaluation.Correct) CorrectSamples++;
        foreach (var (criterion, ok) in evaluation.Checks)
        {
            var (right, asked) = tallies.GetValueOrDefault(criterion);
            tallies[criterion] = (right + (ok ? 1 : 0), asked + 1);
        }
    }

    /// <summary>How many samples asked an criterion.</summary>
    public int Asked(Criterion criterion) => tallies.GetValueOrDefault(criterion).Asked;

    /// <summary>Accuracy of an criterion over the samples that asked it; null when none did.</summary>
    public double? Accuracy(Criterion criterion) =>
        tallies.TryGetValue(criterion, out var t) && t.Asked > 0 ? t.Right / (double)t.Asked : null;

    /// <summary>
    /// Probability that a uniformly random answer for one object gets the criterion right with this
    /// domain's value counts: 1/2 for count (one or two objects) and size, 1/8 colour, 1/7 shape,
    /// 1/9 position, 1/4 relation, 1/3 background. A prompt with two objects squares the per-object ones.
    /// </summary>
    public static double ChanceLevel(Criterion criterion) => criterion switch
    {
        Criterion.Count => 1.0 / 2,
        Criterion.Color => 1.0 / Palette.ObjectColors.Count,
        Criterion.Shape => 1.0 / Enum.GetValues<ShapeKind>().Length,
        Criterion.Size => 1.0 / 2,
        Criterion.Position => 1.0 / GridCell.All.Count,
        Criterion.Relation => 1.0 / Enum.GetValues<SpatialRelation>().Length,
        Criterion.Background => 1.0 / Palette.BackgroundColors.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown criterion."),
    };

    /// <summary>One line per asked criterion ("colour accuracy: 0.950 (n=120)") and a closing "overall: X".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var criterion in Enum.GetValues<Criterion>())
            if (Accuracy(criterion) is { } accuracy)
                text.AppendLine(CultureInfo.InvariantCulture, $"{Name(criterion)} accuracy: {accuracy:0.000} (n={Asked(criterion)})");
        text.Append(CultureInfo.InvariantCulture, $"overall: {Overall:0.000} (n={Samples})");
        return text.ToString();
    }

    static string Name(Criterion criterion) => criterion == Criterion.Color ? "colour" : criterion.ToString().ToLowerInvariant();
}
