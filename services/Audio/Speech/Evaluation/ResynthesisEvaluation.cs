using Media.Audio.Metrics;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>How close resynthesised speech stays to the reference: MCD (dB, DTW-aligned), STOI, and the recognizer's CER on it.</summary>
/// <param name="Mcd">Mel-cepstral distortion with DTW against the reference, dB.</param>
/// <param name="Stoi">STOI against the reference.</param>
/// <param name="Cer">CER of the recognizer's transcript of the resynthesis against the text.</param>
/// <param name="Clips">Clips scored.</param>
public sealed record ResynthesisScores(double Mcd, double Stoi, double Cer, int Clips);

/// <summary>
/// The ceiling a TTS model on these representations can reach: each held-out clip's mel goes through the
/// VAE (posterior mean; or not at all) and the vocoder, and the audio is scored against the recording.
/// </summary>
public static class ResynthesisEvaluation
{
    /// <summary>Scores copy synthesis through <paramref name="vocoder"/>, after a round trip through <paramref name="vae"/> when given.</summary>
    public static ResynthesisScores Evaluate(MelVae? vae, IVocoder vocoder, CtcRecognizer recognizer, IEnumerable<SpeechClip> clips, Device device)
    {
        ArgumentNullException.ThrowIfNull(vocoder);
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(clips);
        var mel = vocoder.Mel;
        using var features = new SpeechFeatures(mel);
        using var mcd = new MelCepstralDistortion(mel.SampleRate);
        double distortion = 0, stoi = 0;
        var transcripts = new List<(string Reference, float[] Samples)>();
        foreach (var clip in clips)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var normalized = features.Normalized(tensor(clip.Samples, device: device));
            if (vae is not null)
            {
                long frames = normalized.shape[1];
                var (mean, _) = vae.Posterior(vae.PadFrames(normalized.unsqueeze(0)));
                normalized = vae.Decode(mean).narrow(2, 0, frames).squeeze(0);
            }
            var audio = vocoder.Synthesize(features.Denormalize(normalized)).to(CPU).data<float>().ToArray();
            var reference = clip.Samples.AsSpan(0, audio.Length).ToArray();
            distortion += mcd.Compute(reference, audio);
            stoi += Stoi.Compute(reference, audio, mel.SampleRate);
            transcripts.Add((clip.Target, audio));
        }
        if (transcripts.Count == 0) throw new ArgumentException("Give at least one clip.", nameof(clips));
        double cer = RecognizerEvaluation.Cer(recognizer, features, transcripts);
        return new ResynthesisScores(distortion / transcripts.Count, stoi / transcripts.Count, cer, transcripts.Count);
    }
}
