namespace Media.Audio.IO;

/// <summary>
/// <see cref="Resampler"/>'s filter on one channel that arrives piece by piece. Each output sample is made
/// as soon as every input sample its taps reach has arrived (a delay of about half the filter, ~1 ms at
/// speech rates); <see cref="Flush"/> treats the signal as zero past its end and returns the rest. In all
/// the output equals <see cref="Resampler.Process"/> of the whole signal, sample for sample.
/// </summary>
public sealed class IncrementalResampler
{
    readonly Resampler resampler;
    readonly List<float> history = []; // input samples from absolute index _historyStart on
    long historyStart;
    long inputLength;
    long next; // index of the next output sample

    internal IncrementalResampler(Resampler resampler) => this.resampler = resampler;

    /// <summary>The next piece of input; returns the output samples it completes.</summary>
    public float[] Process(ReadOnlySpan<float> input)
    {
        if (resampler.Up == resampler.Down)
        {
            inputLength += input.Length;
            next += input.Length;
            return input.ToArray();
        }
        for (int i = 0; i < input.Length; i++) history.Add(input[i]);
        inputLength += input.Length;
        return Run(final: false);
    }

    /// <summary>The end of the signal: the output samples still owed (the whole output has ceil(n * out / in) samples).</summary>
    public float[] Flush() => resampler.Up == resampler.Down ? [] : Run(final: true);

    float[] Run(bool final)
    {
        int up = resampler.Up, down = resampler.Down, halfTaps = resampler.HalfTaps;
        long total = (inputLength * up + down - 1) / down;
        var output = new List<float>();
        while (next < total)
        {
            long position = next * down;
            long first = position / up - halfTaps + 1;
            if (!final && first + 2 * halfTaps > inputLength) break; // its last tap has not arrived yet
            var taps = resampler.Phase(position);
            double acc = 0;
            for (int i = 0; i < taps.Length; i++)
            {
                long at = first + i;
                if (at < 0 || at >= inputLength) continue; // zero outside the signal, as Process
                acc += taps[i] * history[(int)(at - historyStart)];
            }
            output.Add((float)acc);
            next++;
        }
        // Keep only the input the next output sample can still reach.
        long keepFrom = Math.Max(0, next * down / up - halfTaps + 1);
        int drop = (int)Math.Clamp(keepFrom - historyStart, 0, history.Count);
        history.RemoveRange(0, drop);
        historyStart += drop;
        return [.. output];
    }
}
