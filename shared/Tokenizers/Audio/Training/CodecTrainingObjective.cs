using Media.Audio.Metrics;
using Media.Modeling.Training;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training.Adversarial;
using Media.Tokenizers.Audio.Vocos;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training;

/// <summary>
/// The training objective of an <see cref="EncodecModel"/>: encode, quantize with a codebook count drawn
/// per step (so every bandwidth decodes, as EnCodec's bandwidth sampling), decode, and weigh time-domain
/// L1 (and optionally squared) error, multi-resolution STFT and log-mel distances and the commitment loss. Codebooks learn by EMA.
/// With a <see cref="MultiScaleStftDiscriminator"/> a step may also be adversarial, as EnCodec trains: the time (t), frequency
/// (f: STFT + mel), generator hinge (g) and feature-matching (feat) losses reach the decoded audio through the
/// <see cref="LossBalancer"/> (weights <see cref="CodecLossWeights.BalancedTime"/> and the rest), the commitment loss as it is,
/// and the discriminator's hinge loss (on the decoded audio detached) trains the discriminator in the same backward.
/// With a <see cref="VocosDecoder"/> the codes are decoded by it (at the step's codebook count's condition; the warm-up
/// without quantizer at the richest) instead of EnCodec's decoder, which then takes no part.
/// </summary>
public sealed class CodecTrainingObjective : IDisposable
{
    readonly EncodecModel model;
    readonly MultiResolutionStftDistance stft;
    readonly MelDistance mel;
    readonly MultiScaleStftDiscriminator? discriminator;
    readonly LossBalancer? balancer;
    readonly VocosDecoder? vocos;

    /// <summary>An objective for <paramref name="model"/>; with <paramref name="discriminator"/>, steps may be adversarial.</summary>
    public CodecTrainingObjective(EncodecModel model, CodecLossWeights? weights = null, CodebookEma? ema = null, MultiScaleStftDiscriminator? discriminator = null,
        VocosDecoder? vocos = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        vocos?.Config.CheckReads(model.Config, nameof(vocos));
        this.model = model;
        this.vocos = vocos;
        Weights = weights ?? new CodecLossWeights();
        this.discriminator = discriminator;
        if (discriminator is not null)
            balancer = new LossBalancer(new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["t"] = Weights.BalancedTime, ["f"] = Weights.BalancedFrequency, ["g"] = Weights.BalancedGenerator, ["feat"] = Weights.BalancedFeatures,
            });
        Ema = ema ?? new CodebookEma();
        stft = MultiResolutionStftDistance.ForSampleRate(model.Config.SamplingRate);
        mel = new MelDistance(new MelSpectrogramOptions
        {
            SampleRate = model.Config.SamplingRate,
            FftSize = 1024 * model.Config.SamplingRate / 24_000 >= 512 ? 1024 : 512,
            HopLength = 256,
            WindowLength = 1024 * model.Config.SamplingRate / 24_000 >= 512 ? 1024 : 512,
            MelBands = 64,
        });
    }

    /// <summary>The loss weights.</summary>
    public CodecLossWeights Weights { get; }

    /// <summary>The codebook EMA settings.</summary>
    public CodebookEma Ema { get; }

    /// <summary>
    /// The loss for audio [B, channels, T] (T a multiple of the hop) with <paramref name="numCodebooks"/>
    /// codebooks (0: no quantizer at all, the autoencoder warm-up that keeps the encoder from collapsing onto one code);
    /// updates the codebooks when <paramref name="updateCodebooks"/>. An <see cref="AdversarialPhase.Full"/> step (the objective
    /// needs a discriminator) balances the losses and trains the discriminator too; a <see cref="AdversarialPhase.DiscriminatorOnly"/>
    /// step trains the codec on the reconstruction losses and the discriminator on its hinge loss.
    /// </summary>
    public CodecLoss Compute(Tensor audio, int numCodebooks, bool updateCodebooks = true, AdversarialPhase adversarial = AdversarialPhase.None)
    {
        if (adversarial != AdversarialPhase.None && discriminator is null) throw new InvalidOperationException("An adversarial step needs the objective's discriminator.");
        model.CheckAudio(audio, nameof(audio));
        if (audio.shape[2] % model.Config.HopLength != 0)
            throw new ArgumentException($"Training clips must be a multiple of the hop ({model.Config.HopLength} samples); got {audio.shape[2]}.", nameof(audio));
        using var scope = NewDisposeScope();
        var latents = model.Encoder.call(audio);
        var quantized = numCodebooks == 0
            ? new QuantizerTrainingOutput(latents, zeros([], device: latents.device), 0)
            : QuantizerTraining.Forward(model.Quantizer, latents, numCodebooks, updateCodebooks ? Ema : null);
        var decoded = vocos is null ? model.Decoder.call(quantized.Quantized)
            : vocos.Decode(quantized.Quantized, numCodebooks == 0 ? model.Quantizer.NumQuantizers : numCodebooks);
        var reference = audio.reshape(-1, audio.shape[2]);
        var estimate = decoded.reshape(-1, decoded.shape[2]);
        var time = nn.functional.l1_loss(estimate, reference);
        var squared = Weights.SquaredTime == 0 ? zeros([], device: estimate.device) : nn.functional.mse_loss(estimate, reference);
        var spectral = stft.Forward(reference, estimate);
        var melLoss = mel.Forward(reference, estimate);
        var total = Weights.Time * time + Weights.SquaredTime * squared + Weights.Stft * spectral + Weights.Mel * melLoss + Weights.Commitment * quantized.Commitment;
        if (adversarial == AdversarialPhase.None)
            return Result(total, AdversarialPhase.None, null, null, null);
        if (audio.shape[2] < discriminator!.MinimumSamples)
            throw new ArgumentException($"Adversarial clips need at least {discriminator.MinimumSamples} samples (the largest STFT); got {audio.shape[2]}.", nameof(audio));
        var real = discriminator.call(audio);
        var judgedDetached = discriminator.call(decoded.detach());
        var critic = AdversarialLosses.Discriminator(real, judgedDetached);
        // While the discriminator warms up the codec keeps its reconstruction loss; the generator terms are only logged.
        var judged = adversarial == AdversarialPhase.Full ? discriminator.call(decoded) : judgedDetached;
        var generator = AdversarialLosses.Generator(judged);
        var features = AdversarialLosses.FeatureMatching(real, judged);
        if (adversarial == AdversarialPhase.DiscriminatorOnly)
            return Result(total + critic, adversarial, generator, features, critic);
        var balanced = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["t"] = time, ["f"] = spectral + melLoss, ["g"] = generator, ["feat"] = features };
        var (surrogate, _) = balancer!.Surrogate(decoded, balanced);
        // The surrogate's value means nothing; the logged loss is the balanced losses weighted by their shares (the gradient is the surrogate's).
        var shares = balancer.Shares;
        var shown = balanced.Select(p => p.Value.detach() * shares[p.Key]).Aggregate((a, b) => a + b);
        return Result(surrogate - surrogate.detach() + shown + Weights.Commitment * quantized.Commitment + critic, adversarial, generator, features, critic);

        CodecLoss Result(Tensor loss, AdversarialPhase phase, Tensor? g, Tensor? feat, Tensor? d) =>
            new(loss.MoveToOuterDisposeScope(), time.item<float>(), spectral.item<float>(), melLoss.item<float>(), quantized.Commitment.item<float>(),
                numCodebooks, quantized.RestartedCodes)
            {
                Phase = phase, Generator = g?.item<float>(), FeatureMatching = feat?.item<float>(), Discriminator = d?.item<float>(),
            };
    }

    /// <summary>Releases the cached STFT windows and filterbank.</summary>
    public void Dispose()
    {
        stft.Dispose();
        mel.Dispose();
    }
}
