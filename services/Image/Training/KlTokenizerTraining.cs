using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Tokenizers.Image;
using Media.Tokenizers.Image.Kl;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Reconstruction quality of a KL autoencoder on held-out scenes.</summary>
/// <param name="Images">Images measured.</param>
/// <param name="Psnr">Mean PSNR (dB) of the decoded posterior means, as 8-bit images.</param>
/// <param name="LatentStd">Standard deviation of posterior samples over all latent elements (unscaled).</param>
public sealed record KlReconstructionMetrics(int Images, double Psnr, double LatentStd)
{
    /// <summary>The scale factor that gives the latents unit variance (latent diffusion's scale_by_std), rounded to 4 decimals like KL-16's 0.2325.</summary>
    public double UnitScaleFactor => Math.Round(1.0 / LatentStd, 4);

    /// <summary>Encodes and decodes <paramref name="images"/> in batches on the model's device, in eval mode.</summary>
    public static KlReconstructionMetrics Measure(AutoencoderKl model, Tensor images, int batchSize = 50, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var generator = new Generator((ulong)seed, CPU);
            var device = model.parameters().First().device;
            int n = (int)images.shape[0];
            double psnrSum = 0, sum = 0, sumSquares = 0;
            long count = 0;
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = images.slice(0, start, Math.Min(n, start + batchSize), 1).to(device);
                using var posterior = model.Encode(batch);
                var reconstruction = model.Decode(posterior.Mean).clamp(-1, 1);
                foreach (var psnr in VqReconstructionMetrics.PsnrPerImage(batch, reconstruction)) psnrSum += psnr;
                var noise = randn(posterior.Mean.shape, generator: generator).to(device);
                var z = posterior.Mean.add(posterior.LogVariance.mul(0.5).exp().mul(noise)).to_type(ScalarType.Float64);
                sum += z.sum().item<double>();
                sumSquares += z.square().sum().item<double>();
                count += z.numel();
            }
            double mean = sum / count;
            return new KlReconstructionMetrics(n, psnrSum / n, Math.Sqrt(Math.Max(sumSquares / count - mean * mean, 1e-12)));
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }
}

/// <summary>Settings of a KL autoencoder run beyond the shared trainer schedule.</summary>
public sealed record KlTrainingOptions
{
    /// <summary>The architecture.</summary>
    public KlConfig Config { get; init; } = KlConfig.Tiny;

    /// <summary>Images per micro-batch.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Seed of the procedural scenes.</summary>
    public ulong DataSeed { get; init; }

    /// <summary>The pixel loss (foreground weighting on by default, as for the VQ tokenizer).</summary>
    public SceneReconstructionLoss Reconstruction { get; init; } = new(ObjectWeight: 4);

    /// <summary>Weight of the KL term (latent diffusion's 1e-6).</summary>
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>Held-out images for the periodic evaluation (0: none).</summary>
    public int EvalImages { get; init; } = 32;
}

/// <summary>
/// The KL autoencoder's training recipe on procedural 64x64 scenes: each micro-batch is a fresh
/// slice of the train split (resumable: a batch depends only on its position), AdamW on the
/// reconstruction + KL objective, held-out PSNR and latent std logged; at the end the scale factor
/// is measured (1 / std of posterior samples) and written with the model.
/// </summary>
public sealed class KlTokenizerTraining : IDisposable
{
    readonly VqTrainingImages data;
    readonly Tensor? heldOut;
    readonly Trainer<VqTrainingBatch> trainer;

    /// <summary>Prepares (or resumes) the run described by <paramref name="trainerOptions"/>.</summary>
    public KlTokenizerTraining(KlTrainingOptions options, TrainerOptions trainerOptions, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        Options = options;
        data = new VqTrainingImages(new CaptionedImageGenerator(64, options.DataSeed), options.Batch);
        heldOut = options.EvalImages > 0 ? data.HeldOut(options.EvalImages, device) : null;
        Model = new AutoencoderKl(options.Config);
        Model.to(device);
        var objective = new KlObjective(Model, options.Reconstruction, options.KlWeight);
        trainer = new Trainer<VqTrainingBatch>(Model, data.Batch, batch => objective.Loss(batch.Images), trainerOptions, batch => batch.Images.shape[0]);
        if (heldOut is not null)
            trainer.Evaluate = _ =>
            {
                var m = KlReconstructionMetrics.Measure(Model, heldOut);
                return new Dictionary<string, double> { ["psnr"] = m.Psnr, ["latent_std"] = m.LatentStd };
            };
    }

    /// <summary>The recipe's settings.</summary>
    public KlTrainingOptions Options { get; }

    /// <summary>The model being trained.</summary>
    public AutoencoderKl Model { get; }

    /// <summary>The underlying trainer (step, resume point, EMA).</summary>
    public Trainer<VqTrainingBatch> Trainer => trainer;

    /// <summary>Trains to the end of the schedule (or until cancelled).</summary>
    public void Run(CancellationToken cancellationToken = default) => trainer.Run(cancellationToken);

    /// <summary>Held-out metrics of the current (EMA when kept) weights.</summary>
    public KlReconstructionMetrics? Measure()
    {
        if (heldOut is null) return null;
        using (trainer.Ema?.SwapIn()) return KlReconstructionMetrics.Measure(Model, heldOut);
    }

    /// <summary>Saves the current (EMA when kept) weights with the measured scale factor to <paramref name="directory"/>.</summary>
    public KlConfig Export(string directory, Tensor scaleImages, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(scaleImages);
        using (trainer.Ema?.SwapIn())
        {
            var metrics = KlReconstructionMetrics.Measure(Model, scaleImages);
            var config = Model.Config with { ScaleFactor = metrics.UnitScaleFactor };
            KlModelFolder.Save(Model, directory, config, metadata);
            return config;
        }
    }

    /// <summary>The first <paramref name="count"/> train-split images (for measuring the scale factor on training data, as latent diffusion does).</summary>
    public Tensor TrainImages(int count) =>
        ImageTensors.ToTensor(new CaptionedImageGenerator(64, Options.DataSeed).Take(DataSplit.Train, count).Select(s => s.Image).ToList());

    /// <inheritdoc />
    public void Dispose()
    {
        trainer.Dispose();
        Model.Dispose();
        heldOut?.Dispose();
    }
}
