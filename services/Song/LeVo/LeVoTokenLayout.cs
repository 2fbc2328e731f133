namespace Media.Services.Song.LeVo;

/// <summary>
/// LeVo's delay pattern over its three streams (stream 0 mixed, 1 vocal, 2 accompaniment; delays [0, k, k]): step 0 is
/// the start step (every stream special), and step s holds mixed token s - 1 and vocal and accompaniment tokens
/// s - 1 - k, so a song of T tokens takes T + k + 1 steps; empty slots hold the special id. The model reads step s and
/// predicts step s + 1.
/// </summary>
public sealed class LeVoTokenLayout(int tokens, int delay, int special)
{
    /// <summary>Tokens per stream.</summary>
    public int Tokens { get; } = tokens > 0 ? tokens : throw new ArgumentOutOfRangeException(nameof(tokens), "A song has at least one token.");

    /// <summary>The dual-track delay k.</summary>
    public int Delay { get; } = delay > 0 ? delay : throw new ArgumentOutOfRangeException(nameof(delay), "The delay is at least one step.");

    /// <summary>Steps, the start step included.</summary>
    public int Steps => 1 + Tokens + Delay;

    /// <summary>The layout of <paramref name="config"/> for a song of <paramref name="tokens"/> tokens.</summary>
    public static LeVoTokenLayout For(LeVoConfig config, int tokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new LeVoTokenLayout(tokens, config.Delay, config.Special);
    }

    /// <summary>The token index stream <paramref name="stream"/> holds at step <paramref name="step"/>, or null for an empty slot.</summary>
    public int? TokenAt(int stream, int step)
    {
        int t = step - 1 - (stream == 0 ? 0 : Delay);
        return t >= 0 && t < Tokens ? t : null;
    }

    /// <summary>The steps [3][Steps] of the three streams' tokens.</summary>
    public int[][] Arrange(IReadOnlyList<int> mixed, IReadOnlyList<int> vocal, IReadOnlyList<int> accompaniment)
    {
        ArgumentNullException.ThrowIfNull(mixed);
        ArgumentNullException.ThrowIfNull(vocal);
        ArgumentNullException.ThrowIfNull(accompaniment);
        if (mixed.Count != Tokens || vocal.Count != Tokens || accompaniment.Count != Tokens)
            throw new ArgumentException($"Every stream must hold {Tokens} tokens; got {mixed.Count}, {vocal.Count} and {accompaniment.Count}.");
        IReadOnlyList<int>[] source = [mixed, vocal, accompaniment];
        var steps = new int[3][];
        for (int q = 0; q < 3; q++)
        {
            steps[q] = new int[Steps];
            for (int s = 0; s < Steps; s++) steps[q][s] = TokenAt(q, s) is int t ? source[q][t] : special;
        }
        return steps;
    }
}
