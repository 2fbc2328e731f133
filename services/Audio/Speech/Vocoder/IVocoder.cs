using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Vocoder;

/// <summary>Log-mel to waveform.</summary>
public interface IVocoder
{
    /// <summary>The features it inverts.</summary>
    SpeechMelConfig Mel { get; }

    /// <summary>
    /// Natural-log mel <c>[mels, T]</c> or <c>[B, mels, T]</c> (not normalised) to a waveform <c>[N]</c> or
    /// <c>[B, N]</c> of <c>N = (T - 1) * hop</c> samples: the length whose centred STFT has T frames.
    /// </summary>
    Tensor Synthesize(Tensor logMel);
}
