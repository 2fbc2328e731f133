using Media.Audio.Dsp;
using Media.Modeling.Layers;
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
    readonly StreamingOverlapAdd overlapAdd;
    long received;
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
        overlapAdd = new StreamingOverlapAdd(fftSize, hop, offset: fftSize / 2);  // torch.istft's centring
    }

    /// <summary>Samples emitted so far.</summary>
    public long SamplesEmitted => overlapAdd.Emitted;

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
        return overlapAdd.EmitComplete().MoveToOuterDisposeScope();
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
        return overlapAdd.EmitEnd((received - 1) * hop).MoveToOuterDisposeScope();
    }

    Tensor Normalize(Tensor logMel) => ((logMel.to_type(ScalarType.Float32) - vocoder.Mel.NormMean) / vocoder.Mel.NormScale).unsqueeze(0);

    // Inverse-FFTs the spectra [1, bins, n] of the next n frames and overlap-adds them.
    void Synthesize(Tensor spectrum)
    {
        if (spectrum.shape[2] == 0) return;
        var window = vocoder.Window(spectrum.device);
        overlapAdd.Add(fft.irfft(spectrum.squeeze(0).transpose(0, 1), fftSize, 1) * window, window);
    }

    /// <summary>Frees the buffered frames and samples.</summary>
    public void Dispose()
    {
        state.Dispose();
        overlapAdd.Dispose();
    }
}
