using Concentus;

namespace Media.Gateway.Apis.OpenAi.Audio;

/// <summary>
/// Resamples interleaved 16-bit audio piece by piece with Concentus's port of the Speex resampler,
/// keeping its state between pieces (no seams). The output is aligned with the input (the filter's
/// delay is skipped at the start and flushed at the end), and in all it holds
/// round(inputFrames * outRate / inRate) frames. Equal rates pass through unchanged.
/// </summary>
internal sealed class StreamingResampler : IDisposable
{
    const int Quality = 5; // Speex's default for "desktop" use: good quality at modest cost

    readonly IResampler? _resampler;
    readonly int _channels;
    readonly int _inRate;
    readonly int _outRate;
    long _framesIn;
    long _framesOut;

    public StreamingResampler(int channels, int inRate, int outRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outRate, 1);
        _channels = channels;
        _inRate = inRate;
        _outRate = outRate;
        if (inRate != outRate)
        {
            _resampler = ResamplerFactory.CreateResampler(channels, inRate, outRate, Quality);
            _resampler.SkipZeroes();
        }
    }

    public short[] Process(ReadOnlySpan<short> interleaved)
    {
        _framesIn += interleaved.Length / _channels;
        if (_resampler is null)
        {
            _framesOut += interleaved.Length / _channels;
            return interleaved.ToArray();
        }
        return Run(interleaved.ToArray(), long.MaxValue);
    }

    /// <summary>Pushes silence through the filter until every input frame has come out; returns the rest.</summary>
    public short[] Flush()
    {
        if (_resampler is null) return [];
        long expected = (_framesIn * _outRate + _inRate / 2) / _inRate;
        var rest = new List<short>();
        int latency = _resampler.InputLatency + 1;
        for (int guard = 0; _framesOut < expected && guard < 64; guard++)
            rest.AddRange(Run(new short[latency * _channels], expected));
        return [.. rest];
    }

    /// <summary>Runs input through the filter, keeping at most <paramref name="limit"/> output frames in all.</summary>
    short[] Run(short[] input, long limit)
    {
        int capacity = (int)((long)(input.Length / _channels) * _outRate / _inRate + 64) * _channels;
        var output = new short[capacity];
        int inLength = input.Length / _channels;
        int outLength = capacity / _channels;
        _resampler!.ProcessInterleaved(input, ref inLength, output, ref outLength);
        long keep = Math.Min(outLength, limit - _framesOut);
        _framesOut += keep;
        return output.AsSpan(0, (int)keep * _channels).ToArray();
    }

    public void Dispose() => (_resampler as IDisposable)?.Dispose();
}
