using System.Globalization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Tokenizers.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a VQ tokenizer run beyond the trainer schedule (the defaults of <c>media train image-vq</c>).</summary>
public sealed record VqTokenizerTrainingOptions
{
    /// <summary>Pixels per token side: 4 (16x16 tokens for 64 px) or 8 (8x8 tokens).</summary>
    public int Downsample { get; init; } = 8;

    /// <summary>Base channel width (a multiple of 32).</summary>
    public int Channels { get; init; } = 32;

    /// <summary>ResBlocks per encoder level (the decoder has one more).</summary>
    public int ResBlocks { get; init; } = 1;

    /// <summary>Number of codes.</summary>
    public int Codebook { get; init; } = 1024;

    /// <summary>Dimension of each code.</summary>
    public int CodebookDim { get; init; } = 8;

    /// <summary>Restart codes unused over this many steps (0: never).</summary>
    public int RestartEvery { get; init; } = 100;

    /// <summary>Extra reconstruction weight of pixels that differ from the image's border colour (0: all pixels alike).</summary>
    public double ObjectWeight { get; init; }

    /// <summary>Pixels within this distance of the foreground weigh as foreground in the reconstruction terms (0: only the foreground).</summary>
    public int ObjectMargin { get; init; }

    /// <summary>A scene feature network folder (<c>media train scene-features</c>): adds the perceptual term. Null: none.</summary>
    public string? PerceptualNetwork { get; init; }

    /// <summary>Weight of the perceptual term.</summary>
    public double PerceptualWeight { get; init; } = 1.0;

    /// <summary>Weight of the adversarial term on top of its adaptive weight; 0 trains no discriminator.</summary>
    public double DiscriminatorWeight { get; init; }

    /// <summary>The step from which the discriminator trains and its term counts.</summary>
    public long DiscriminatorStart { get; init; }

    /// <summary>A VQ model folder whose weights a fresh run starts from (its config must be the run's). Null: random initial weights.</summary>
    public string? InitFrom { get; init; }

    /// <summary>EMA decay of the weights (0: no EMA).</summary>
    public double Ema { get; init; }

    /// <summary>Measure held-out PSNR and codebook usage every this many steps (0: never).</summary>
    public int EvalEvery { get; init; } = 250;

    /// <summary>Held-out images for the periodic evaluation.</summary>
    public int EvalImages { get; init; } = 64;

    /// <summary>Images per step.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Seed of the procedural scenes.</summary>
    public int DataSeed { get; init; }

    /// <summary>Throws on settings no run can use.</summary>
    public void Validate()
    {
        if (Downsample is not (4 or 8)) throw new ArgumentException("The downsampling must be 4 or 8.");
        if (ObjectWeight < 0 || ObjectMargin < 0) throw new ArgumentException("The object weight and margin must not be negative.");
        if (Ema is < 0 or >= 1) throw new ArgumentException("The EMA decay must lie in [0, 1).");
        if (PerceptualWeight < 0 || DiscriminatorWeight < 0 || DiscriminatorStart < 0)
            throw new ArgumentException("The perceptual and discriminator weights and the discriminator start must not be negative.");
    }
}

/// <summary>
/// The VQ image tokenizer's recipe on procedural 64x64 scenes: reconstruction plus quantizer loss
/// (<see cref="VqObjective"/>) with dead-code restarts over the first four fifths of the run (the last fifth
/// fine-tunes a settled codebook), AdamW without weight decay, gradients clipped at norm 1, optional weight
/// EMA, and a periodic held-out evaluation (PSNR, codebook usage, perplexity). Resumable.
/// </summary>
public sealed class VqTokenizerTraining : IDisposable
{
    /// <summary>Side of the training scenes in pixels.</summary>
    public const int ImageSize = 64;

    readonly VqTokenizerTrainingOptions options;
    readonly Tensor? heldOut;
    readonly long seed;
    readonly Perceptual.SceneFeatureNet? featureNetwork;
    readonly nn.Module trained;

    /// <summary>Prepares (or resumes) the run in <paramref name="trainerOptions"/> with the model of <paramref name="config"/> on <paramref name="device"/>.</summary>
    public VqTokenizerTraining(VqConfig config, VqTokenizerTrainingOptions options, TrainerOptions trainerOptions, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        options.Validate();
        this.options = options;
        seed = trainerOptions.Seed;
        var data = new VqTrainingImages(new CaptionedImageGenerator(ImageSize, (ulong)options.DataSeed), options.Batch);
        heldOut = options.EvalEvery > 0 ? data.HeldOut(options.EvalImages, device) : null;
        manual_seed(seed);                                  // --seed sets the initial weights, as its help says
        Model = new VqModel(config);
        if (options.InitFrom is { } init)
        {
            var initConfig = VqModelFolder.ReadConfig(Path.Combine(init, VqModelFolder.ConfigFile));
            if (VqModelFolder.ConfigJson(initConfig) != VqModelFolder.ConfigJson(config))
                throw new ArgumentException($"{init} has another architecture than this run: {VqModelFolder.ConfigJson(initConfig)}");
            Checkpoint.LoadInto(Model, Path.Combine(init, VqModelFolder.WeightsFile), new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 }, strict: true);
        }
        Model.to(device);
        if (options.PerceptualNetwork is { } features) featureNetwork = Perceptual.SceneFeatureFolder.Load(features, device);
        if (options.DiscriminatorWeight > 0)
        {
            // LlamaGen's is 64 channels and 3 layers for 256 px; 32 and 2 (14x14 patches of 64 px) keep a CPU step affordable.
            Discriminator = new Adversarial.PatchDiscriminator(channels: 32, layers: 2);
            Discriminator.to(device);
        }
        Objective = new VqObjective(Model, new VqObjectiveOptions
        {
            RestartEvery = options.RestartEvery,
            ObjectWeight = options.ObjectWeight,
            ObjectMargin = options.ObjectMargin,
            // The last fifth fine-tunes a settled codebook.
            RestartUntil = trainerOptions.TotalSteps * 4L / 5,
            PerceptualWeight = options.PerceptualWeight,
            DiscriminatorWeight = options.DiscriminatorWeight,
            DiscriminatorStart = options.DiscriminatorStart,
        }, featureNetwork is null ? null : new Perceptual.PerceptualDistance(featureNetwork), Discriminator);
        trained = Discriminator is null ? Model : new AdversarialPair("vq", Model, Discriminator);
        var schedule = trainerOptions with
        {
            WeightDecay = 0,
            MaxGradNorm = 1.0,
            // Each network clipped on its own, as LlamaGen's two optimizers clip theirs.
            ClipGroups = (trained as AdversarialPair)?.ClipGroups,
            EmaDecay = options.Ema > 0 ? options.Ema : null,
            EvalEvery = options.EvalEvery,
        };
        Trainer = new Trainer<VqTrainingBatch>(trained, data.Batch, Objective.Loss, schedule, batch => batch.Images.shape[0]);
        if (heldOut is not null)
            Trainer.Evaluate = _ => Metrics(VqReconstructionMetrics.Measure(Model, heldOut));
    }

    /// <summary>The model being trained.</summary>
    public VqModel Model { get; }

    /// <summary>The discriminator, when the run trains one.</summary>
    public Adversarial.PatchDiscriminator? Discriminator { get; }

    /// <summary>The objective (its dead-code restarts of this session).</summary>
    public VqObjective Objective { get; }

    /// <summary>The trainer (step, resume point, EMA).</summary>
    public Trainer<VqTrainingBatch> Trainer { get; }

    /// <summary>The architecture <paramref name="options"/> give.</summary>
    public static VqConfig ConfigFor(VqTokenizerTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new VqConfig
        {
            CodebookSize = options.Codebook,
            CodebookDim = options.CodebookDim,
            Channels = options.Channels,
            // 64 px: three levels give 16x16 tokens, four give 8x8; the coarsest levels are twice as wide.
            EncoderChannelMultipliers = options.Downsample == 4 ? [1, 2, 2] : [1, 1, 2, 2],
            DecoderChannelMultipliers = options.Downsample == 4 ? [1, 2, 2] : [1, 1, 2, 2],
            ZChannels = 2 * options.Channels,
            ResBlocks = options.ResBlocks,
        };
    }

    /// <summary>Trains to the end of the schedule, or to <paramref name="until"/> a step short of it, or until cancelled; a checkpoint either way.</summary>
    public void Run(long? until = null, CancellationToken cancellationToken = default) => Trainer.RunFor(null, until, cancellationToken);

    /// <summary>
    /// With the EMA weights swapped in (when kept): measures the held-out images (null when the run has none) and
    /// saves the model folder to <paramref name="exportDirectory"/> (when given) with the step and both seeds.
    /// </summary>
    public VqReconstructionMetrics? Finish(string? exportDirectory)
    {
        using (Trainer.Ema?.SwapIn())
        {
            var metrics = heldOut is null ? null : VqReconstructionMetrics.Measure(Model, heldOut);
            if (exportDirectory is not null)
                VqModelFolder.Save(Model, exportDirectory, new Dictionary<string, string>
                {
                    ["steps"] = Trainer.Step.ToString(CultureInfo.InvariantCulture),
                    ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
                    ["data_seed"] = options.DataSeed.ToString(CultureInfo.InvariantCulture),
                });
            return metrics;
        }
    }

    static Dictionary<string, double> Metrics(VqReconstructionMetrics m) => new()
    {
        ["psnr"] = m.Psnr,
        ["codebook_usage"] = m.CodebookUsage,
        ["perplexity"] = m.Perplexity,
    };

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
        Discriminator?.Dispose();
        featureNetwork?.Dispose();
        heldOut?.Dispose();
    }
}
