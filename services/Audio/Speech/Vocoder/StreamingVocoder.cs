using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>
/// Streams an <see cref="IstftVocoder"/>: log-mel chunks in, audio out as soon as it is final. A frame's
/// spectrum is computed once its <see cref="IstftVocoderConfig.ReceptiveField"/> frames of look-ahead
/// have arrived (with the same frames of look-back), so it equals the offline spectrum; the frames are
/// inverse-FFT'd, windowed and overlap-added, and samples are emitted, divided by the summed squared
/// window, once no later frame overlaps them. The concatenated output therefore equals torch.istft of
/// the whole utterance: no seams or clicks at chunk joins. One utterance, batch 1.
/// </summary>
public sealed class StreamingVocoder : IDisposable
{
    readonly IstftVocoder vocoder;
    readonly int hop, fftSize, lookAhead;
    Tensor? mel;             // [mels, k]: frames [melStart, received)
    long melStart, received, synthesized, emitted;
    Tensor? overlap, envelope;  // padded positions [bufferStart, bufferStart + length)
    long bufferStart;
    bool finished;

    /// <summary>A stream through <paramref name="vocoder"/> (which should be in eval mode).</summary>
    public StreamingVocoder(IstftVocoder vocoder)
    {
        ArgumentNullException.ThrowIfNull(vocoder);
        this.vocoder = vocoder;
        hop = vocoder.Mel.HopLength;
        fftSize = vocoder.Mel.FftSize;
        lookAhead = vocoder.Config.ReceptiveField;
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
        var chunk = logMel.to_type(ScalarType.Float32);
        Replace(ref mel, mel is null ? chunk.clone() : cat([mel, chunk], 1));
        received += logMel.shape[1];
        long ready = received - lookAhead;
        if (ready > synthesized) Synthesize(ready);
        return Emit(synthesized * hop).MoveToOuterDisposeScope();
    }

    /// <summary>Ends the utterance and returns the remaining samples; the total is <c>(frames - 1) * hop</c>.</summary>
    public Tensor Finish()
    {
        if (finished) throw new InvalidOperationException("The stream is already finished.");
        finished = true;
        using var scope = NewDisposeScope();
        if (received == 0) return zeros(0).MoveToOuterDisposeScope();
        if (received > synthesized) Synthesize(received);
        return Emit(fftSize / 2 + (received - 1) * hop).MoveToOuterDisposeScope();
    }

    // Spectra of frames [synthesized, until) from mel frames [until-... ] with full context, overlap-added.
    void Synthesize(long until)
    {
        long from = synthesized;
        long windowStart = Math.Max(0, from - lookAhead);
        long windowEnd = Math.Min(received, until + lookAhead);
        var frames = mel!.narrow(1, windowStart - melStart, windowEnd - windowStart).unsqueeze(0);
        var normalized = (frames - vocoder.Mel.NormMean) / vocoder.Mel.NormScale;
        var spectrum = vocoder.call(normalized).squeeze(0).narrow(1, from - windowStart, until - from); // [bins, n]
        var window = vocoder.Window(spectrum.device);
        var segments = fft.irfft(spectrum.transpose(0, 1), fftSize, 1) * window;                         // [n, fftSize]

        long start = from * hop, end = (until - 1) * hop + fftSize;
        if (overlap is null)
        {
            bufferStart = start;
            Replace(ref overlap, zeros(end - start, device: spectrum.device));
            Replace(ref envelope, zeros(end - start, device: spectrum.device));
        }
        else if (bufferStart + overlap.shape[0] < end)
        {
            long grow = end - bufferStart - overlap.shape[0];
            Replace(ref overlap, cat([overlap, zeros(grow, device: spectrum.device)]));
            Replace(ref envelope, cat([envelope!, zeros(grow, device: spectrum.device)]));
        }
        var squared = window.square();
        for (long t = 0; t < until - from; t++)
        {
            long offset = (from + t) * hop - bufferStart;
            overlap!.narrow(0, offset, fftSize).add_(segments[t]);
            envelope!.narrow(0, offset, fftSize).add_(squared);
        }
        synthesized = until;

        long keepFrom = Math.Max(0, synthesized - lookAhead);
        if (keepFrom > melStart)
        {
            Replace(ref mel, mel.narrow(1, keepFrom - melStart, received - keepFrom).clone());
            melStart = keepFrom;
        }
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
        mel?.Dispose();
        overlap?.Dispose();
        envelope?.Dispose();
        mel = overlap = envelope = null;
    }
}
