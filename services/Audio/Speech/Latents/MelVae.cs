using Media.Modeling.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Latents;

/// <summary>
/// The mel autoencoder that gives the TTS model its continuous targets (ARDiT, arXiv 2406.05551):
/// log-mel at 80 Hz to a Gaussian posterior over 20 Hz latents (4x temporal downsampling), and a causal
/// decoder back to log-mel. Trained with L1 on the normalised log-mel plus a small KL to N(0, I), which
/// keeps the latent scale near 1 for flow matching.
/// </summary>
public sealed class MelVae : nn.Module<Tensor, Tensor>
{
    readonly MelVaeEncoder encoder;
    readonly MelVaeDecoder decoder;

    /// <summary>A freshly initialised autoencoder of <paramref name="config"/>.</summary>
    public MelVae(MelVaeConfig config) : base(nameof(MelVae))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        encoder = new MelVaeEncoder(config);
        decoder = new MelVaeDecoder(config);
        RegisterComponents();
    }

    /// <summary>The committed autoencoder in <paramref name="folder"/> (config.json + model.safetensors) on <paramref name="device"/>, in eval mode.</summary>
    public static MelVae Load(string folder, Device device)
    {
        var model = new MelVae(SpeechModelFolder.ReadConfig<MelVaeConfig>(folder));
        SpeechModelFolder.LoadWeights(model, folder, device);
        return model;
    }

    /// <summary>The sizes.</summary>
    public MelVaeConfig Config { get; }

    /// <summary>The causal decoder (for streaming with <see cref="ConvolutionStreamState"/>).</summary>
    public MelVaeDecoder Decoder => decoder;

    /// <summary>Normalised log-mel <c>[B, mels, T]</c>, T a multiple of 4, to the posterior (mean, log-variance) <c>[B, D, T/4]</c>.</summary>
    public (Tensor Mean, Tensor LogVar) Posterior(Tensor mel)
    {
        ArgumentNullException.ThrowIfNull(mel);
        if (mel.dim() != 3 || mel.shape[1] != Config.Mel.MelBands)
            throw new ArgumentException($"Expected a normalised log-mel [B, {Config.Mel.MelBands}, T]; got [{string.Join(", ", mel.shape)}].", nameof(mel));
        if (mel.shape[2] == 0 || mel.shape[2] % MelVaeConfig.Downsampling != 0)
            throw new ArgumentException($"The mel has {mel.shape[2]} frames; the encoder needs a positive multiple of {MelVaeConfig.Downsampling} (pad with {nameof(PadFrames)}).", nameof(mel));
        return encoder.call(mel);
    }

    /// <summary>Latents <c>[B, D, L]</c> to normalised log-mel <c>[B, mels, 4L]</c> (offline).</summary>
    public Tensor Decode(Tensor latents) => decoder.call(latents);

    /// <summary>Reconstruction through the posterior mean (deterministic).</summary>
    public override Tensor forward(Tensor mel)
    {
        using var scope = NewDisposeScope();
        return decoder.call(Posterior(mel).Mean).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Training loss of a batch of normalised log-mels: L1 of the reconstruction from a posterior sample
    /// (noise from <paramref name="generator"/>) plus <see cref="MelVaeConfig.KlWeight"/> times the mean KL.
    /// </summary>
    public (Tensor Loss, Tensor Reconstruction, Tensor Kl) Loss(Tensor mel, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var (mean, logVar) = Posterior(mel);
        var noise = randn(mean.shape, dtype: mean.dtype, generator: generator).to(mean.device);
        var z = mean + (0.5 * logVar).exp() * noise;
        var reconstruction = (decoder.call(z) - mel).abs().mean();
        var kl = (0.5 * (mean.square() + logVar.exp() - 1 - logVar)).mean();
        var loss = reconstruction + Config.KlWeight * kl;
        return (loss.MoveToOuterDisposeScope(), reconstruction.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>Pads <c>[B, mels, T]</c> at the end with silence (the normalised log floor) to a multiple of 4 frames.</summary>
    public Tensor PadFrames(Tensor mel)
    {
        ArgumentNullException.ThrowIfNull(mel);
        long frames = mel.shape[^1], padded = (frames + MelVaeConfig.Downsampling - 1) / MelVaeConfig.Downsampling * MelVaeConfig.Downsampling;
        if (padded == frames) return mel.alias();
        double silence = (Math.Log(Config.Mel.LogFloor) - Config.Mel.NormMean) / Config.Mel.NormScale;
        return nn.functional.pad(mel, [0, padded - frames], PaddingModes.Constant, silence);
    }
}
