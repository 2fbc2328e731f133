using Media.Modeling.Training;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Latents;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>
/// Trains a <see cref="MelVae"/> on random crops of <see cref="CropFrames"/> mel frames (L1 + KL), with a
/// validation reconstruction L1 (posterior mean) on a fixed set of held-out crops.
/// </summary>
public sealed class MelVaeTraining : IDisposable
{
    readonly MelVae model;
    readonly SpeechClipSet train;
    readonly SpeechFeatures features;
    readonly Tensor validation;

    /// <summary>A trainer for <paramref name="model"/> (on its device) over <paramref name="train"/>, validated on <paramref name="heldOut"/>.</summary>
    public MelVaeTraining(MelVae model, SpeechClipSet train, SpeechClipSet heldOut, SpeechTrainingOptions options, int cropFrames = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        if (cropFrames <= 0 || cropFrames % MelVaeConfig.Downsampling != 0)
            throw new ArgumentException($"Crops must be a positive multiple of {MelVaeConfig.Downsampling} frames; got {cropFrames}.", nameof(cropFrames));
        this.model = model;
        this.train = train;
        CropFrames = cropFrames;
        features = new SpeechFeatures(model.Config.Mel);
        var device = model.parameters().First().device;
        using (NewDisposeScope())
            validation = Batch(heldOut, new Random(12345), Math.Min(32, Math.Max(options.BatchSize, 8)), device).DetachFromDisposeScope();
        Trainer = new Trainer<Tensor>(model, p => Batch(train, p.CreateRandom(), options.BatchSize, p.Device),
            batch => model.Loss(batch, generator: null).Loss, options.ToTrainerOptions("frames"), batch => batch.shape[0] * batch.shape[2])
        {
            Evaluate = _ => Validate(),
        };
    }

    /// <summary>Mel frames per training crop.</summary>
    public int CropFrames { get; }

    /// <summary>The underlying trainer (run, resume, EMA).</summary>
    public Trainer<Tensor> Trainer { get; }

    /// <summary>Normalised log-mel crops <c>[B, mels, CropFrames]</c>.</summary>
    public Tensor Batch(SpeechClipSet clips, Random random, int count, Device device)
    {
        ArgumentNullException.ThrowIfNull(clips);
        using var scope = NewDisposeScope();
        var waves = clips.RandomCrops(random, count, CropFrames * model.Config.Mel.HopLength, device);
        return features.Normalized(waves).narrow(2, 0, CropFrames).MoveToOuterDisposeScope();
    }

    /// <summary>Validation metrics: reconstruction L1 through the posterior mean, in normalised and in natural-log units, and the latent spread.</summary>
    public IReadOnlyDictionary<string, double> Validate()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (mean, _) = model.Posterior(validation);
        double l1 = (model.Decode(mean) - validation).abs().mean().item<float>();
        return new Dictionary<string, double>
        {
            ["val_l1"] = l1,
            ["val_l1_logmel"] = l1 * model.Config.Mel.NormScale,
            ["latent_std"] = mean.std().item<float>(),
        };
    }

    /// <summary>Frees the validation batch, the features and the trainer.</summary>
    public void Dispose()
    {
        Trainer.Dispose();
        validation.Dispose();
        features.Dispose();
    }
}
