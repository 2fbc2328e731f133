using Media.Audio.Metrics;
using Media.Modeling.Training;
using Media.Services.Audio.Speech.Data;
using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>
/// Trains an <see cref="IstftVocoder"/> on random waveform crops of <see cref="CropFrames"/> hops: the loss
/// is the multi-resolution STFT distance (spectral convergence + log-magnitude L1 at three resolutions)
/// plus the L1 between log-mels of the reference and the output. No adversarial term (CPU budget).
/// </summary>
public sealed class VocoderTraining : IDisposable
{
    readonly IstftVocoder model;
    readonly SpeechFeatures features;
    readonly MultiResolutionStftDistance stftDistance;
    readonly Tensor validation;

    /// <summary>A trainer for <paramref name="model"/> (on its device) over <paramref name="train"/>, validated on <paramref name="heldOut"/>.</summary>
    public VocoderTraining(IstftVocoder model, SpeechClipSet train, SpeechClipSet heldOut, SpeechTrainingOptions options, int cropFrames = 48)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropFrames, 8);
        this.model = model;
        CropFrames = cropFrames;
        features = new SpeechFeatures(model.Config.Mel);
        stftDistance = MultiResolutionStftDistance.ForSampleRate(model.Config.Mel.SampleRate);
        int samples = cropFrames * model.Config.Mel.HopLength;
        var device = model.parameters().First().device;
        using (NewDisposeScope())
            validation = heldOut.RandomCrops(new Random(12345), Math.Min(16, Math.Max(options.BatchSize, 4)), samples, device).DetachFromDisposeScope();
        Trainer = new Trainer<Tensor>(model, p => train.RandomCrops(p.CreateRandom(), options.BatchSize, samples, p.Device),
            Loss, options.ToTrainerOptions("samples"), batch => batch.numel())
        {
            Evaluate = _ => Validate(),
        };
    }

    /// <summary>Mel frames (hops) per training crop.</summary>
    public int CropFrames { get; }

    /// <summary>The underlying trainer.</summary>
    public Trainer<Tensor> Trainer { get; }

    /// <summary>MR-STFT + log-mel L1 of the vocoder's reconstruction of waveforms <c>[B, N]</c> (N a multiple of the hop).</summary>
    public Tensor Loss(Tensor waveforms)
    {
        ArgumentNullException.ThrowIfNull(waveforms);
        using var scope = NewDisposeScope();
        var (stft, mel) = Terms(waveforms);
        return (stft + mel).MoveToOuterDisposeScope();
    }

    (Tensor Stft, Tensor Mel) Terms(Tensor waveforms)
    {
        var logMel = features.LogMel(waveforms);
        var audio = model.Inverse(model.call(features.Normalize(logMel)));
        var reference = waveforms.narrow(1, 0, audio.shape[1]);
        var stft = stftDistance.Forward(reference, audio);
        var mel = (features.LogMel(audio) - features.LogMel(reference)).abs().mean();
        return (stft, mel);
    }

    /// <summary>Validation MR-STFT distance and log-mel L1 on the fixed held-out crops.</summary>
    public IReadOnlyDictionary<string, double> Validate()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (stft, mel) = Terms(validation);
        return new Dictionary<string, double> { ["val_mrstft"] = stft.item<float>(), ["val_mel_l1"] = mel.item<float>() };
    }

    /// <summary>Frees the validation crops, metrics and trainer.</summary>
    public void Dispose()
    {
        Trainer.Dispose();
        validation.Dispose();
        stftDistance.Dispose();
        features.Dispose();
    }
}
