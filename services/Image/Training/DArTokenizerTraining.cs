using System.Globalization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Tokenizers.Image;
using Media.Tokenizers.Image.DAr;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a D-AR tokenizer run beyond the trainer schedule (the defaults of <c>media train image-dar-tokenizer</c>).</summary>
public sealed record DArTokenizerTrainingOptions
{
    /// <summary>Images per step.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Seed of the procedural scenes.</summary>
    public int DataSeed { get; init; }

    /// <summary>Measure held-out reconstruction PSNR every this many steps (0: never).</summary>
    public int EvalEvery { get; init; } = 200;

    /// <summary>Held-out images for the periodic evaluation.</summary>
    public int EvalImages { get; init; } = 32;

    /// <summary>Loss weights.</summary>
    public DArTokenizerObjectiveOptions Objective { get; init; } = new();

    /// <summary>
    /// A <see cref="Perceptual.SceneFeatureNet"/> folder (models/scene-features): its features stand in for LPIPS's and REPA's
    /// (<see cref="DArTokenizerObjective"/>); null trains without them.
    /// </summary>
    public string? PerceptualNetwork { get; init; }

    /// <summary>
    /// A tokenizer folder of exactly this run's config whose weights a fresh run starts from (to train past a run whose
    /// folder is gone, such as a GPU run that could send back only its fp16 export; the optimizer starts afresh). Null:
    /// random initial weights. A run that has a checkpoint resumes from it and ignores this.
    /// </summary>
    public string? InitFrom { get; init; }
}

/// <summary>
/// The D-AR tokenizer's recipe on procedural 64x64 scenes: <see cref="DArTokenizerObjective"/> (with the scene feature network's
/// LPIPS and REPA stand-ins when <see cref="DArTokenizerTrainingOptions.PerceptualNetwork"/> names one) under AdamW (no weight decay,
/// gradients clipped at norm 1), dead-code restarts over the first four fifths of the run, and a periodic held-out
/// reconstruction (8 adams2 steps from fixed noise). Resumable.
/// </summary>
public sealed class DArTokenizerTraining : IDisposable
{
    /// <summary>Side of the training scenes in pixels.</summary>
    public const int ImageSize = 64;

    /// <summary>Where a run started from <see cref="DArTokenizerTrainingOptions.InitFrom"/> records that folder.</summary>
    public const string InitFile = "init-from.txt";

    readonly Tensor? heldOut;
    readonly Perceptual.SceneFeatureNet? featureNetwork;
    readonly string runDirectory;
    readonly long seed;
    readonly DArTokenizerTrainingOptions options;

    /// <summary>Prepares (or resumes) the run in <paramref name="trainerOptions"/> with the model of <paramref name="config"/> on <paramref name="device"/>.</summary>
    public DArTokenizerTraining(DArTokenizerConfig config, DArTokenizerTrainingOptions options, TrainerOptions trainerOptions, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        if (config.ImageSize != ImageSize) throw new ArgumentException($"The training scenes are {ImageSize} px; the config says {config.ImageSize}.", nameof(config));
        this.options = options;
        seed = trainerOptions.Seed;
        runDirectory = trainerOptions.RunDirectory;
        // A run with a checkpoint resumes from it; only a fresh one starts from the init folder, checked first.
        string? init = TrainingCheckpoint.List(runDirectory).Count == 0 ? options.InitFrom : null;
        if (init is not null) RequireInitFolder(init, config);
        var data = new VqTrainingImages(new CaptionedImageGenerator(ImageSize, (ulong)options.DataSeed), options.Batch);
        heldOut = options.EvalEvery > 0 ? data.HeldOut(options.EvalImages, device) : null;
        manual_seed(seed);
        Model = new DArTokenizer(config);
        if (init is not null)
        {
            Checkpoint.LoadInto(Model, Path.Combine(init, DArTokenizerFolder.WeightsFile), new CheckpointLoadOptions { FloatDtype = ScalarType.Float32 }, strict: true);
            Directory.CreateDirectory(runDirectory);
            File.WriteAllText(Path.Combine(runDirectory, InitFile), Path.GetFullPath(init));
        }
        Model.to(device);
        if (options.PerceptualNetwork is { } features) featureNetwork = Perceptual.SceneFeatureFolder.Load(features, device);
        Objective = new DArTokenizerObjective(Model, options.Objective with { RestartUntil = trainerOptions.TotalSteps * 4L / 5 }, featureNetwork);
        var schedule = trainerOptions with { WeightDecay = 0, MaxGradNorm = 1.0, EvalEvery = options.EvalEvery };
        Trainer = new Trainer<VqTrainingBatch>(Model, data.Batch, batch =>
        {
            using var generator = batch.Position.CreateGenerator();
            return Objective.Loss(batch.Images, batch.Position.Step, generator);
        }, schedule, batch => batch.Images.shape[0]);
        if (heldOut is not null)
            Trainer.Evaluate = _ => new Dictionary<string, double> { ["psnr"] = ReconstructionPsnr(Model, heldOut) };
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> unless <paramref name="directory"/> is a tokenizer folder (config and weights)
    /// of exactly <paramref name="config"/>.
    /// </summary>
    public static void RequireInitFolder(string directory, DArTokenizerConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(config);
        foreach (var file in new[] { DArTokenizerFolder.ConfigFile, DArTokenizerFolder.WeightsFile })
            if (!File.Exists(Path.Combine(directory, file))) throw new ArgumentException($"{directory} is not a tokenizer folder: it has no {file}.");
        string initJson = DArTokenizerFolder.ConfigJson(DArTokenizerFolder.ReadConfig(Path.Combine(directory, DArTokenizerFolder.ConfigFile)));
        string runJson = DArTokenizerFolder.ConfigJson(config);
        if (initJson != runJson)
            throw new ArgumentException($"{directory} holds another tokenizer architecture than this run. It: {initJson}; this run: {runJson}");
    }

    /// <summary>The model being trained.</summary>
    public DArTokenizer Model { get; }

    /// <summary>The objective.</summary>
    public DArTokenizerObjective Objective { get; }

    /// <summary>The trainer.</summary>
    public Trainer<VqTrainingBatch> Trainer { get; }

    /// <summary>Trains until <paramref name="stopAfterStep"/> (or the end of the schedule), or until cancelled, with a checkpoint.</summary>
    public void Run(long stopAfterStep, CancellationToken cancellationToken = default) =>
        Trainer.RunUntil(Math.Max(Trainer.Step, stopAfterStep), cancellationToken);

    /// <summary>
    /// Mean PSNR (8-bit, as saved) of the round trip of <paramref name="images"/> [N, 3, H, W]: encode, then decode from noise
    /// drawn, as <see cref="Evaluation.DArRoundTrip"/> draws it, with seed <paramref name="noiseSeed"/> + s for the batch from
    /// image s, so the PSNR logged in training is the one <c>media eval image-dar-tokenizer</c> reports for the same scenes.
    /// </summary>
    public static double ReconstructionPsnr(DArTokenizer model, Tensor images, long noiseSeed = 0, int batchSize = 50)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            double sum = 0;
            long n = images.shape[0];
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var generator = new Generator((ulong)(noiseSeed + start), CPU);
                var batch = images.narrow(0, start, Math.Min(batchSize, n - start));
                var noise = randn(batch.shape, generator: generator);
                var reconstruction = model.Decode(model.Encode(batch), noise.to(batch.device));
                sum += VqReconstructionMetrics.PsnrPerImage(batch, reconstruction).Sum();
            }
            return sum / n;
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>Saves the tokenizer folder (config.json + fp16 weights) with the step and seeds.</summary>
    public void Export(string directory)
    {
        var metadata = new Dictionary<string, string>
        {
            ["steps"] = Trainer.Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["data_seed"] = options.DataSeed.ToString(CultureInfo.InvariantCulture),
        };
        string initFile = Path.Combine(runDirectory, InitFile);
        if (File.Exists(initFile)) metadata["init"] = File.ReadAllText(initFile);
        DArTokenizerFolder.Save(Model, directory, metadata);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
        featureNetwork?.Dispose();
        heldOut?.Dispose();
    }
}
