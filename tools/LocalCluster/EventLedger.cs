namespace Media.LocalCluster;

/// <summary>What a client missed of one job's events: against the job's log, the events it never got and the ones it got twice.</summary>
/// <param name="Logged">Events in the job's log (its full replay after the end).</param>
/// <param name="Lost">Logged events the client never received.</param>
/// <param name="Duplicated">Events the client received more than once.</param>
/// <param name="OutOfOrder">Events received after one with a higher sequence number.</param>
public sealed record EventTally(int Logged, int Lost, int Duplicated, int OutOfOrder)
{
    public static EventTally operator +(EventTally a, EventTally b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Logged + b.Logged, a.Lost + b.Lost, a.Duplicated + b.Duplicated, a.OutOfOrder + b.OutOfOrder);
    }

    public static EventTally Zero { get; } = new(0, 0, 0, 0);

    /// <summary>
    /// Compares the sequence numbers a client received live (<paramref name="received"/>, in arrival order) with the job's log
    /// (<paramref name="logged"/>, read back once the job ended).
    /// </summary>
    public static EventTally Count(IReadOnlyList<long> received, IReadOnlyList<long> logged)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(logged);
        var seen = new HashSet<long>();
        int duplicated = 0, outOfOrder = 0;
        long highest = long.MinValue;
        foreach (long id in received)
        {
            if (!seen.Add(id)) { duplicated++; continue; }
            if (id < highest) outOfOrder++;
            highest = Math.Max(highest, id);
        }
        int lost = logged.Distinct().Count(id => !seen.Contains(id));
        return new EventTally(logged.Count, lost, duplicated, outOfOrder);
    }
}
