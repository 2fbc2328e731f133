using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Latents;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Evaluation;

/// <summary>Reconstruction scores of a mel autoencoder on whole held-out clips.</summary>
/// <param name="LogMelL1">Mean |log-mel - reconstruction| in natural-log units (posterior mean, no sampling).</param>
/// <param name="LatentMean">Mean of the posterior means over every latent value.</param>
/// <param name="LatentStd">Standard deviation of the posterior means (the scale a flow-matching model sees).</param>
/// <param name="Clips">Clips scored.</param>
public sealed record MelVaeScores(double LogMelL1, double LatentMean, double LatentStd, int Clips);

/// <summary>Measures a <see cref="MelVae"/>.</summary>
public static class MelVaeEvaluation
{
    /// <summary>Encodes and decodes each clip whole (padded to a multiple of 4 frames; the padding is not scored).</summary>
    public static MelVaeScores Evaluate(MelVae vae, IEnumerable<SpeechClip> clips)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(clips);
        var device = vae.parameters().First().device;
        using var features = new SpeechFeatures(vae.Config.Mel);
        double l1 = 0, sum = 0, sumSquares = 0;
        long values = 0;
        int count = 0;
        foreach (var clip in clips)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var mel = features.Normalized(tensor(clip.Samples, device: device)).unsqueeze(0);
            long frames = mel.shape[2];
            var (mean, _) = vae.Posterior(vae.PadFrames(mel));
            var reconstruction = vae.Decode(mean).narrow(2, 0, frames);
            l1 += (reconstruction - mel).abs().mean().item<float>() * vae.Config.Mel.NormScale;
            sum += mean.sum().item<float>();
            sumSquares += mean.square().sum().item<float>();
            values += mean.numel();
            count++;
        }
        if (count == 0) throw new ArgumentException("Give at least one clip.", nameof(clips));
        double average = sum / values;
        return new MelVaeScores(l1 / count, average, Math.Sqrt(Math.Max(0, sumSquares / values - average * average)), count);
    }
}
