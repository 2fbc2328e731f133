namespace Media.Audio.IO;

/// <summary>
/// <see cref="Resampler"/>'s filter on one channel that arrives piece by piece. Each output sample is made
/// as soon as every input sample its taps reach has arrived (a delay of about half the filter, ~1 ms at
/// speech rates); <see cref="Flush"/> treats the signal as zero past its end and returns the rest. In all
/// the output equals <see cref="Resampler.Process"/> of the whole signal, sample for sample.
/// </summary>
public sealed class IncrementalResampler
{
    readonly Resampler _resampler;
    readonly List<float> _history = []; // input samples from absolute index _historyStart on
    long _historyStart;
    long _inputLength;
    long _next; // index of the next output sample

    internal IncrementalResampler(Resampler resampler) => _resampler = resampler;

    /// <summary>The next piece of input; returns the output samples it completes.</summary>
    public float[] Process(ReadOnlySpan<float> input)
    {
        if (_resampler.Up == _resampler.Down)
        {
            _inputLength += input.Length;
            _next += input.Length;
            return input.ToArray();
        }
        for (int i = 0; i < input.Length; i++) _history.Add(input[i]);
        _inputLength += input.Length;
        return Run(final: false);
    }

    /// <summary>The end of the signal: the output samples still owed (the whole output has ceil(n * out / in) samples).</summary>
    public float[] Flush() => _resampler.Up == _resampler.Down ? [] : Run(final: true);

    float[] Run(bool final)
    {
        int up = _resampler.Up, down = _resampler.Down, halfTaps = _resampler.HalfTaps;
        long total = (_inputLength * up + down - 1) / down;
        var output = new List<float>();
        while (_next < total)
        {
            long position = _next * down;
            long first = position / up - halfTaps + 1;
            if (!final && first + 2 * halfTaps > _inputLength) break; // its last tap has not arrived yet
            var taps = _resampler.Phase(position);
            double acc = 0;
            for (int i = 0; i < taps.Length; i++)
            {
                long at = first + i;
                if (at < 0 || at >= _inputLength) continue; // zero outside the signal, as Process
                acc += taps[i] * _history[(int)(at - _historyStart)];
            }
            output.Add((float)acc);
            _next++;
        }
        // Keep only the input the next output sample can still reach.
        long keepFrom = Math.Max(0, _next * down / up - halfTaps + 1);
        int drop = (int)Math.Clamp(keepFrom - _historyStart, 0, _history.Count);
        _history.RemoveRange(0, drop);
        _historyStart += drop;
        return [.. output];
    }
}
