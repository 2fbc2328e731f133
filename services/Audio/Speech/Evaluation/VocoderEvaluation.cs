using Media.Audio.Metrics;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>Copy-synthesis scores of a vocoder on held-out clips (mel of the reference in, waveform out), averaged over clips.</summary>
/// <param name="MelDistance">Mean |log-mel difference| (1024-point FFT, hop 256, 80 bands; <see cref="Media.Audio.Metrics.MelDistance"/>); lower is better.</param>
/// <param name="MultiResolutionStft">MR-STFT distance (<see cref="MultiResolutionStftDistance"/>); lower is better.</param>
/// <param name="Stoi">STOI against the reference, 0..1; higher is better.</param>
/// <param name="Clips">Clips scored.</param>
/// <param name="RealTimeFactor">Synthesis seconds per second of audio.</param>
public sealed record VocoderScores(double MelDistance, double MultiResolutionStft, double Stoi, int Clips, double RealTimeFactor);

/// <summary>Measures vocoders by copy synthesis.</summary>
public static class VocoderEvaluation
{
    /// <summary>Scores <paramref name="vocoder"/> on <paramref name="clips"/> (tensors on <paramref name="device"/>).</summary>
    public static VocoderScores Evaluate(IVocoder vocoder, IEnumerable<SpeechClip> clips, Device device)
    {
        ArgumentNullException.ThrowIfNull(vocoder);
        ArgumentNullException.ThrowIfNull(clips);
        int rate = vocoder.Mel.SampleRate;
        using var features = new SpeechFeatures(vocoder.Mel);
        using var melDistance = new MelDistance(rate);
        using var stftDistance = MultiResolutionStftDistance.ForSampleRate(rate);
        double mel = 0, stft = 0, stoi = 0, seconds = 0, audioSeconds = 0;
        int count = 0;
        foreach (var clip in clips)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var output = vocoder.Synthesize(features.LogMel(tensor(clip.Samples, device: device))).to(CPU).data<float>().ToArray();
            seconds += clock.Elapsed.TotalSeconds;
            var reference = clip.Samples.AsSpan(0, output.Length).ToArray();
            audioSeconds += (double)output.Length / rate;
            mel += melDistance.Compute(reference, output);
            stft += stftDistance.Compute(reference, output);
            stoi += Media.Audio.Metrics.Stoi.Compute(reference, output, rate);
            count++;
        }
        if (count == 0) throw new ArgumentException("Give at least one clip.", nameof(clips));
        return new VocoderScores(mel / count, stft / count, stoi / count, count, seconds / audioSeconds);
    }
}
