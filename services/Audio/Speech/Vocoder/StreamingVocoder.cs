using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>
/// Streams an <see cref="IstftVocoder"/>: log-mel chunks in, audio out as soon as it is final. The network runs layer by
/// layer on the frames each layer has not seen (<see cref="IstftVocoder.Stream"/>: a frame's spectrum comes out once its
/// <see cref="IstftVocoderConfig.ReceptiveField"/> frames of look-ahead have arrived, equal to the offline spectrum, and no
/// frame is computed twice); the frames are inverse-FFT'd, windowed and overlap-added, and samples are emitted, divided
/// by the summed squared window, once no later frame overlaps them. The concatenated output therefore equals torch.istft
/// of the whole utterance: no seams or clicks at chunk joins. One utterance, batch 1.
/// </summary>
public sealed class StreamingVocoder : IDisposable
{
    readonly IstftVocoder vocoder;
    readonly int hop, fftSize;
    readonly ConvolutionStreamState state;
    long received, synthesized, emitted;
    Tensor? overlap, envelope;  // padded positions [bufferStart, bufferStart + length)
    long bufferStart;
    bool finished;
    Device? device;  // where the pushed chunks live: the end of the stream is padded there

    /// <summary>A stream through <paramref name="vocoder"/> (which should be in eval mode).</summary>
    public StreamingVocoder(IstftVocoder vocoder)
    {
        ArgumentNullException.ThrowIfNull(vocoder);
        this.vocoder = vocoder;
        hop = vocoder.Mel.HopLength;
        fftSize = vocoder.Mel.FftSize;
        state = new ConvolutionStreamState(vocoder.StreamSlots);
    }

    /// <summary>Samples emitted so far.</summary>
    public long SamplesEmitted => emitted;

    /// <summary>
    /// Adds log-mel frames <c>[mels, n]</c> (natural log, not normalised) and returns the samples that became
    /// final (possibly none: the first audio waits for the look-ahead).
    /// </summary>
    public Tensor Push(Tensor logMel)
    {
        ArgumentNullException.ThrowIfNull(logMel);
        if (finished) throw new InvalidOperationException("The stream is finished.");
        if (logMel.dim() != 2 || logMel.shape[0] != vocoder.Mel.MelBands)
            throw new ArgumentException($"Expected a log-mel chunk [{vocoder.Mel.MelBands}, n]; got [{string.Join(", ", logMel.shape)}].", nameof(logMel));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();  // the carried inputs must not chain one push's graph to the next
        device ??= logMel.device;
        received += logMel.shape[1];
        Synthesize(vocoder.Stream(Normalize(logMel), state, end: false));
        return Emit(synthesized * hop).MoveToOuterDisposeScope();
    }

    /// <summary>Ends the utterance and returns the remaining samples; the total is <c>(frames - 1) * hop</c>.</summary>
    public Tensor Finish()
    {
        if (finished) throw new InvalidOperationException("The stream is already finished.");
        finished = true;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (received == 0) return zeros(0).MoveToOuterDisposeScope();
        Synthesize(vocoder.Stream(Normalize(zeros(vocoder.Mel.MelBands, 0, device: device)), state, end: true));
        return Emit(fftSize / 2 + (received - 1) * hop).MoveToOuterDisposeScope();
    }

    Tensor Normalize(Tensor logMel) => ((logMel.to_type(ScalarType.Float32) - vocoder.Mel.NormMean) / vocoder.Mel.NormScale).unsqueeze(0);

    // Inverse-FFTs the spectra [1, bins, n] of the next n frames and overlap-adds them (and their squared windows).
    void Synthesize(Tensor spectrum)
    {
        long n = spectrum.shape[2];
        if (n == 0) return;
        var window = vocoder.Window(spectrum.device);
        var segments = fft.irfft(spectrum.squeeze(0).transpose(0, 1), fftSize, 1) * window;  // [n, fftSize]
        long start = synthesized * hop, length = (n - 1) * hop + fftSize;
        if (overlap is null)
        {
            bufferStart = start;
            Replace(ref overlap, zeros(length, device: spectrum.device));
            Replace(ref envelope, zeros(length, device: spectrum.device));
        }
        else if (bufferStart + overlap.shape[0] < start + length)
        {
            long grow = start + length - bufferStart - overlap.shape[0];
            Replace(ref overlap, cat([overlap, zeros(grow, device: spectrum.device)]));
            Replace(ref envelope, cat([envelope!, zeros(grow, device: spectrum.device)]));
        }
        overlap!.narrow(0, start - bufferStart, length).add_(OverlapAdd(segments));
        envelope!.narrow(0, start - bufferStart, length).add_(OverlapAdd(window.square().expand(n, fftSize)));
        synthesized += n;
    }

    // Frames [n, fftSize] summed at hop spacing into (n - 1) * hop + fftSize samples, in one fold.
    Tensor OverlapAdd(Tensor frames)
    {
        long length = (frames.shape[0] - 1) * hop + fftSize;
        return nn.functional.fold(frames.transpose(0, 1).unsqueeze(0), (1, length), (1, fftSize), stride: (1, hop)).view(-1);
    }

    // Emits output samples whose padded position is below `complete` (all overlapping frames added).
    Tensor Emit(long complete)
    {
        long first = emitted + fftSize / 2, count = complete - first;
        if (count <= 0 || overlap is null) return zeros(0);
        var samples = overlap.narrow(0, first - bufferStart, count) / envelope!.narrow(0, first - bufferStart, count);
        long drop = complete - bufferStart;
        Replace(ref overlap, overlap.narrow(0, drop, overlap.shape[0] - drop).clone());
        Replace(ref envelope, envelope.narrow(0, drop, envelope.shape[0] - drop).clone());
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

    /// <summary>Frees the buffered frames and samples.</summary>
    public void Dispose()
    {
        state.Dispose();
        overlap?.Dispose();
        envelope?.Dispose();
        overlap = envelope = null;
    }
}
