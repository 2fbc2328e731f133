using static TorchSharp.torch;

namespace Media.Audio.Dsp;

/// <summary>
/// The overlap-add of an inverse STFT, frame by frame: windowed frames go in as they are made, and output samples come
/// out, divided by the summed squared window, as soon as no later frame overlaps them. Output sample 0 is the
/// overlap-added signal's sample <see cref="Offset"/> (torch.istft's centring: n_fft / 2; Vocos' "same" padding:
/// (n_fft - hop) / 2), so the concatenated output equals the offline transform's. One signal, on the frames' device.
/// </summary>
public sealed class StreamingOverlapAdd : IDisposable
{
    readonly int fftSize, hop;
    Tensor? overlap, envelope;  // overlap-added positions [bufferStart, bufferStart + length)
    long bufferStart, emitted;

    /// <summary>A stream of frames of <paramref name="fftSize"/> samples every <paramref name="hop"/>, output from <paramref name="offset"/> on.</summary>
    public StreamingOverlapAdd(int fftSize, int hop, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hop, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fftSize, hop);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        this.fftSize = fftSize;
        this.hop = hop;
        Offset = offset;
    }

    /// <summary>Overlap-added samples before output sample 0.</summary>
    public int Offset { get; }

    /// <summary>Frames added so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Output samples emitted so far.</summary>
    public long Emitted => emitted;

    /// <summary>Adds the next frames <c>[n, n_fft]</c>, already windowed by <paramref name="window"/> (the synthesis window, <c>[n_fft]</c>).</summary>
    public void Add(Tensor frames, Tensor window)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(window);
        long n = frames.shape[0];
        if (n == 0) return;
        using var scope = NewDisposeScope();
        long start = Frames * hop, length = (n - 1) * hop + fftSize;
        if (overlap is null)
        {
            bufferStart = start;
            Replace(ref overlap, zeros(length, device: frames.device));
            Replace(ref envelope, zeros(length, device: frames.device));
        }
        else if (bufferStart + overlap.shape[0] < start + length)
        {
            long grow = start + length - bufferStart - overlap.shape[0];
            Replace(ref overlap, cat([overlap, zeros(grow, device: frames.device)]));
            Replace(ref envelope, cat([envelope!, zeros(grow, device: frames.device)]));
        }
        overlap!.narrow(0, start - bufferStart, length).add_(Sum(frames));
        envelope!.narrow(0, start - bufferStart, length).add_(Sum(window.square().expand(n, fftSize)));
        Frames += n;
    }

    /// <summary>The output samples complete once every frame added so far is in (none may overlap what comes next).</summary>
    public Tensor EmitComplete() => EmitTo(Frames * hop);

    /// <summary>The output samples up to output sample <paramref name="end"/> (exclusive): the end of the signal, once its last frame is in.</summary>
    public Tensor EmitEnd(long end) => EmitTo(Offset + end);

    // Frames [n, n_fft] summed at hop spacing into (n - 1) * hop + n_fft samples, in one fold.
    Tensor Sum(Tensor frames)
    {
        long length = (frames.shape[0] - 1) * hop + fftSize;
        return nn.functional.fold(frames.transpose(0, 1).unsqueeze(0), (1, length), (1, fftSize), stride: (1, hop)).view(-1);
    }

    // Emits the output samples whose overlap-added position is below `complete`; the result stays in the caller's scope.
    Tensor EmitTo(long complete)
    {
        long first = emitted + Offset, count = complete - first;
        if (count <= 0 || overlap is null) return zeros(0);
        var samples = overlap.narrow(0, first - bufferStart, count) / envelope!.narrow(0, first - bufferStart, count);
        long drop = complete - bufferStart;
        using (NewDisposeScope())
        {
            Replace(ref overlap, overlap.narrow(0, drop, overlap.shape[0] - drop).clone());
            Replace(ref envelope, envelope.narrow(0, drop, envelope.shape[0] - drop).clone());
        }
        bufferStart = complete;
        emitted += count;
        return samples;
    }

    static void Replace(ref Tensor? slot, Tensor value)
    {
        value.DetachFromDisposeScope();
        slot?.Dispose();
        slot = value;
    }

    /// <summary>Frees the buffered samples.</summary>
    public void Dispose()
    {
        overlap?.Dispose();
        envelope?.Dispose();
        overlap = envelope = null;
    }
}
