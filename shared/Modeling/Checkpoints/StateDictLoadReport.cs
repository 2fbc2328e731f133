using System.Text;

namespace Media.Modeling.Checkpoints;

/// <summary>A key whose checkpoint tensor has a different shape from the module's.</summary>
public sealed record ShapeMismatch(string Key, long[] Expected, long[] Found)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Key}: module [{string.Join(", ", Expected)}], checkpoint [{string.Join(", ", Found)}]";
}

/// <summary>What loading a state dict into a module did and did not match.</summary>
public sealed record StateDictLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> ShapeMismatches)
{
    /// <summary>True when every module key was loaded and nothing was left over.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>A multi-line description naming every problem key.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("Loaded ").Append(Loaded.Count).Append(" tensor(s)");
        if (IsExact) return text.Append("; checkpoint and module match exactly.").ToString();
        text.Append('.');
        if (Missing.Count > 0)
            text.AppendLine().Append("Missing from the checkpoint (").Append(Missing.Count).Append("): ").AppendJoin(", ", Missing);
        if (Unexpected.Count > 0)
            text.AppendLine().Append("Unexpected in the checkpoint (").Append(Unexpected.Count).Append("): ").AppendJoin(", ", Unexpected);
        if (ShapeMismatches.Count > 0)
            text.AppendLine().Append("Wrong shape (").Append(ShapeMismatches.Count).Append("): ").AppendJoin("; ", ShapeMismatches);
        return text.ToString();
    }
}

/// <summary>Thrown by strict loading when the checkpoint and the module disagree; the message names every key.</summary>
public sealed class StateDictMismatchException : InvalidOperationException
{
    /// <summary>The full comparison.</summary>
    public StateDictLoadReport Report { get; }

    /// <summary>Creates the exception from a report.</summary>
    public StateDictMismatchException(StateDictLoadReport report)
        : base("The checkpoint does not match the module (nothing was loaded). " + (report ?? throw new ArgumentNullException(nameof(report))).Describe())
    {
        Report = report;
    }
}
