using System.Globalization;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Modeling.Transformers;
using Media.Services.Image.Data;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image;
using Media.Tokenizers.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Training;

/// <summary>Settings of a Token-Shuffle run beyond the trainer schedule (the defaults of <c>media train image-ar</c>).</summary>
public sealed record TokenShuffleTrainingOptions
{
    /// <summary>Token-Shuffle window s: 1, 2 or 4 (s² VQ codes per AR position).</summary>
    public int Shuffle { get; init; } = 2;

    /// <summary>Training scenes, VQ-encoded once and cached in the run folder.</summary>
    public int Samples { get; init; } = 20000;

    /// <summary>Scenes per step.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Transformer width.</summary>
    public int Dim { get; init; } = 256;

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 6;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Caption tokens the model reads (then &lt;boi&gt;).</summary>
    public int TextLength { get; init; } = 24;

    /// <summary>Share of captions replaced by the null caption (for classifier-free guidance).</summary>
    public double CaptionDropout { get; init; } = 0.1;

    /// <summary>Seed of the procedural scenes.</summary>
    public int DataSeed { get; init; }

    /// <summary>
    /// A model folder of the same architecture and tokenizer whose weights a fresh run starts from (training on past
    /// a finished run, whose optimizer state is gone). Null: random initial weights. A run that has a checkpoint
    /// resumes from it and ignores this; its exports keep naming the folder the run started from.
    /// </summary>
    public string? InitFrom { get; init; }
}

/// <summary>
/// The text-conditioned Token-Shuffle transformer's recipe on procedural 64x64 scenes: the scenes are encoded once
/// by the VQ tokenizer (<see cref="ArTokenDataset"/>, cached in the run folder), then trained with the next-window
/// loss under AdamW (weight decay 0.05, gradients clipped at norm 1) as the shared trainer runs it. Resumable.
/// </summary>
public sealed class TokenShuffleTraining : IDisposable
{
    /// <summary>Side of the training scenes in pixels.</summary>
    public const int ImageSize = 64;

    /// <summary>Where the encoded scenes are cached in the run folder.</summary>
    public const string TokensFile = "tokens.safetensors";

    /// <summary>Where a run started with <see cref="TokenShuffleTrainingOptions.InitFrom"/> records that folder.</summary>
    public const string InitFile = "init-from.txt";

    readonly string runDirectory;

    readonly ArTokenDataset data;
    readonly TokenShuffleTrainingOptions options;
    readonly long seed;

    /// <summary>
    /// Prepares (or resumes) the run in <paramref name="trainerOptions"/>: encodes the scenes with <paramref name="vq"/>
    /// when they are not cached, builds the model of <paramref name="config"/> on <paramref name="device"/> and its trainer.
    /// </summary>
    public TokenShuffleTraining(TokenShuffleConfig config, TokenShuffleTrainingOptions options, TrainerOptions trainerOptions, VqModel vq, Device device)
        : this(config, options, trainerOptions, (vq ?? throw new ArgumentNullException(nameof(vq))).Encode, device) { }

    /// <summary>
    /// The same recipe over any tokenizer: <paramref name="encode"/> maps images [B, 3, H, W] in [-1, 1] to code grids
    /// [B, G, G] (D-AR trains its 1D-RoPE GPT this way on its 64 tokens, kept as an 8 x 8 grid). <see cref="TokenShuffleConfig.VqSha256"/>
    /// names the tokenizer's weights.
    /// </summary>
    public TokenShuffleTraining(TokenShuffleConfig config, TokenShuffleTrainingOptions options, TrainerOptions trainerOptions, Func<Tensor, Tensor> encode, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        ArgumentNullException.ThrowIfNull(encode);
        // The token cache is keyed by the tokenizer's weights: a cache of another tokenizer is rebuilt, never trained on.
        string vqSha256 = config.VqSha256 ?? throw new ArgumentException("The config names no VQ tokenizer (VqSha256).", nameof(config));
        this.options = options;
        seed = trainerOptions.Seed;
        runDirectory = trainerOptions.RunDirectory;
        Config = config;
        // A run with a checkpoint resumes from it; only a fresh one starts from the init folder, checked before any encoding.
        string? init = TrainingCheckpoint.List(runDirectory).Count == 0 ? options.InitFrom : null;
        if (init is not null) RequireInitFolder(init, config);
        var conditioning = new CaptionConditioning(config);
        data = ArTokenDataset.LoadOrBuild(Path.Combine(runDirectory, TokensFile), options.Samples, new CaptionedImageGenerator(ImageSize, (ulong)options.DataSeed),
            encode, device, vqSha256, conditioning, options.Batch, options.CaptionDropout);
        try
        {
            manual_seed(trainerOptions.Seed);
            Model = new TokenShuffleModel(config);
            if (init is not null)
            {
                Checkpoint.LoadInto(Model, Path.Combine(init, TokenShuffleCheckpoint.WeightsFile),
                    new CheckpointLoadOptions { Renames = TokenShuffleCheckpoint.FileToModule, FloatDtype = ScalarType.Float32 }, strict: true);
                File.WriteAllText(Path.Combine(runDirectory, InitFile), Path.GetFullPath(init));
            }
            Model.to(device);
            Trainer = new Trainer<ArTrainingBatch>(Model, data.Batch, b => Model.Loss(b.Condition, b.Codes),
                trainerOptions with { WeightDecay = 0.05, MaxGradNorm = 1.0 }, b => b.Codes.shape[0]);
        }
        catch
        {
            Model?.Dispose();
            data.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> unless <paramref name="directory"/> is a model folder (config and weights)
    /// of exactly <paramref name="config"/>, tokenizer hash included: codes of another tokenizer mean other things.
    /// </summary>
    public static void RequireInitFolder(string directory, TokenShuffleConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(config);
        foreach (var file in new[] { TokenShuffleCheckpoint.ConfigFile, TokenShuffleCheckpoint.WeightsFile })
            if (!File.Exists(Path.Combine(directory, file))) throw new ArgumentException($"{directory} is not a model folder: it has no {file}.");
        string initJson = TokenShuffleCheckpoint.ReadConfig(directory).ToJson(), runJson = config.ToJson();
        if (initJson != runJson)
            throw new ArgumentException($"{directory} holds another architecture or tokenizer than this run. It: {initJson}; this run: {runJson}");
    }

    /// <summary>The architecture trained.</summary>
    public TokenShuffleConfig Config { get; }

    /// <summary>The model being trained.</summary>
    public TokenShuffleModel Model { get; }

    /// <summary>The trainer (step, resume point, loss history).</summary>
    public Trainer<ArTrainingBatch> Trainer { get; }

    /// <summary>The architecture <paramref name="options"/> give over <paramref name="vq"/> (whose weights hash to <paramref name="vqSha256"/>), validated.</summary>
    public static TokenShuffleConfig ConfigFor(TokenShuffleTrainingOptions options, VqModel vq, string vqSha256)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vq);
        var vocabulary = CaptionVocabulary.FromWords(CaptionWords.All);
        var config = new TokenShuffleConfig
        {
            Dim = options.Dim, NLayer = options.Layers, NHead = options.Heads, CodebookSize = vq.Config.CodebookSize,
            GridSize = ImageSize / vq.Config.DownsampleFactor, Shuffle = options.Shuffle, ConditionVocabSize = CaptionConditioning.ConditionVocabSize(vocabulary),
            ConditionLength = options.TextLength + 1, ConditionRotation = PrefixRotation.Identity,
            TextGpt2Ids = vocabulary.Gpt2Ids.ToArray(), VqSha256 = vqSha256,
        };
        config.Validate();
        return config;
    }

    /// <summary>Trains until <paramref name="stopAfterStep"/> (never back: a resume past it trains nothing).</summary>
    public void Run(long stopAfterStep, CancellationToken cancellationToken = default) =>
        Trainer.RunUntil(Math.Max(Trainer.Step, stopAfterStep), cancellationToken);

    /// <summary>Saves the model folder (config.json + fp16 model.safetensors) with the step, seed, sample count and the folder the run started from, if any.</summary>
    public void Export(string directory)
    {
        var metadata = new Dictionary<string, string>
        {
            ["steps"] = Trainer.Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["samples"] = options.Samples.ToString(CultureInfo.InvariantCulture),
        };
        string initFile = Path.Combine(runDirectory, InitFile);
        if (File.Exists(initFile)) metadata["init"] = File.ReadAllText(initFile);
        TokenShuffleCheckpoint.Save(Model, directory, metadata);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
        data.Dispose();
    }
}
