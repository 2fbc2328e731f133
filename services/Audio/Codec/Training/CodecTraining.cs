using System.Globalization;
using Media.Audio.Corpora;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Training.Adversarial;
using Media.Tokenizers.Audio.Vocos;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Codec.Training;

/// <summary>
/// The recipe of our EnCodec-architecture codec (<see cref="MediaCodecConfig"/>): espeak-ng speech and procedural
/// music, a warm-up without the quantizer on the squared time-domain error, then reconstruction losses with EMA
/// codebooks at a sampled served bandwidth per step; AdamW (β 0.5, 0.9, no weight decay) as the shared trainer runs
/// it; resumable; exported as <c>config.json</c> + fp16 <c>model.safetensors</c>. With
/// <see cref="CodecTrainingOptions.AdversarialStart"/> the run also trains EnCodec's MS-STFT discriminator from that step on
/// (an <see cref="AdversarialPair"/>: one optimizer and one checkpoint over <c>codec.*</c> and <c>discriminator.*</c>, clipped apart), with feature matching and the loss
/// balancer; only the codec is exported. With <see cref="CodecTrainingOptions.WeightNorm"/> (the default, as EnCodec) the
/// convolutions train weight-normalised and the export folds them.
/// </summary>
public sealed class CodecTraining : IDisposable
{
    readonly CodecTrainingObjective objective;
    readonly CodecTrainingObjective warmup;

    /// <summary>
    /// Prepares (or resumes) the run in <paramref name="trainerOptions"/> over <paramref name="corpus"/> on <paramref name="device"/>;
    /// <paramref name="stepLosses"/> hears each step's loss terms (synchronously, on the training thread).
    /// </summary>
    public CodecTraining(EncodecConfig config, CodecCorpus corpus, CodecTrainingOptions options, TrainerOptions trainerOptions, Device device,
        Action<CodecLoss>? stepLosses = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        options.Validate();
        Config = config;
        manual_seed(trainerOptions.Seed);
        Model = new EncodecModel(config, device, options.WeightNorm);
        if (options.InitFrom is { } init) LoadInit(Model, config, init);
        if (options.Vocos is { } vocos)
        {
            Vocos = new VocosDecoder(vocos with { ReplacesDecoder = true });
            // A starting folder that holds a Vocos decoder continues it too (of the same sizes, strictly).
            if (options.InitFrom is { } folder && File.Exists(Path.Combine(folder, NeuralAudioCodec.VocosWeightsFile)))
            {
                var theirs = VocosConfig.Load(Path.Combine(folder, NeuralAudioCodec.VocosConfigFile)) with { ReplacesDecoder = true };
                if (theirs.ToJson() != Vocos.Config.ToJson())
                    throw new ArgumentException($"'{folder}' holds a Vocos decoder of other sizes than the one trained.");
                Checkpoint.LoadInto(Vocos, Path.Combine(folder, NeuralAudioCodec.VocosWeightsFile));
            }
            Vocos.to(device);
        }
        if (options.AdversarialStart is not null)
        {
            Discriminator = new MultiScaleStftDiscriminator(options.DiscriminatorFftSizes, options.DiscriminatorFilters);
            Discriminator.to(device);
            if (ClipSamplesFor(config, options.ClipSeconds) < Discriminator.MinimumSamples)
                throw new ArgumentException($"Adversarial training needs clips of at least {Discriminator.MinimumSamples} samples (the largest discriminator FFT).");
        }
        objective = new CodecTrainingObjective(Model, new CodecLossWeights
        {
            Time = options.TimeWeight, BalancedTime = options.Balance.Time, BalancedFrequency = options.Balance.Frequency,
            BalancedGenerator = options.Balance.Generator, BalancedFeatures = options.Balance.Features,
        }, discriminator: Discriminator, vocos: Vocos);
        // The warm-up learns the waveform from the time-domain error alone: from a random decoder, the spectral terms
        // win first with audio of the right spectrum and the wrong phase (runs B and C of the model card). It is the
        // squared error: the absolute error stays flat at the silent output's (run D; a probe clip for 150 steps).
        warmup = new CodecTrainingObjective(Model, new CodecLossWeights { Time = 0, SquaredTime = 1, Stft = 0, Mel = 0, Commitment = 0 }, vocos: Vocos);
        ClipSamples = ClipSamplesFor(config, options.ClipSeconds);
        var codebookChoices = config.TargetBandwidths.Select(config.CodebooksForBandwidth).Distinct().Order().ToArray();
        nn.Module generator = Vocos is null ? Model : new CodecWithVocos(Model, Vocos);
        var pair = Discriminator is null ? null : new AdversarialPair("codec", generator, Discriminator);
        Trainer = new Trainer<(Tensor Audio, int Codebooks, AdversarialPhase Phase)>(pair ?? generator,
            position =>
            {
                var random = position.CreateRandom();
                // Bandwidth sampling: each step trains one of the served codebook counts, so all of them decode.
                // Before that, no quantizer: straight from the start, the commitment loss pulled the random encoder's
                // outputs onto one code per codebook and the decoder learned to ignore them (a first run collapsed so).
                int codebooks = position.Step < options.ContinuousSteps ? 0 : codebookChoices[random.Next(codebookChoices.Length)];
                var phase = codebooks == 0 || options.AdversarialStart is not { } start || position.Step < start ? AdversarialPhase.None
                    : position.Step < start + options.DiscriminatorWarmupSteps ? AdversarialPhase.DiscriminatorOnly
                    : AdversarialPhase.Full;
                return (corpus.Batch(random, options.Batch, ClipSamples, position.Device), codebooks, phase);
            },
            batch =>
            {
                var loss = batch.Codebooks == 0 ? warmup.Compute(batch.Audio, 0) : objective.Compute(batch.Audio, batch.Codebooks, adversarial: batch.Phase);
                stepLosses?.Invoke(loss);
                return loss.Total;
            },
            // The codec and its discriminator share one optimizer but each has its gradient clipped alone.
            trainerOptions with { Beta1 = 0.5, Beta2 = 0.9, WeightDecay = 0, ClipGroups = pair?.ClipGroups },
            batch => batch.Audio.shape[0]);
    }

    /// <summary>The architecture trained.</summary>
    public EncodecConfig Config { get; }

    /// <summary>The codec being trained.</summary>
    public EncodecModel Model { get; }

    /// <summary>The Vocos decoder trained in place of EnCodec's, when the options ask for one.</summary>
    public VocosDecoder? Vocos { get; }

    /// <summary>The discriminator of an adversarial run (trained, checkpointed, never exported).</summary>
    public MultiScaleStftDiscriminator? Discriminator { get; }

    /// <summary>The trainer (step, resume point).</summary>
    public Trainer<(Tensor Audio, int Codebooks, AdversarialPhase Phase)> Trainer { get; }

    // A codec folder's weights as the starting point: the same architecture, strictly. Its folded kernels are split into
    // g and v for a weight-normalised run, as weight_norm starts a trained layer.
    static void LoadInit(EncodecModel model, EncodecConfig config, string folder)
    {
        var path = Path.Combine(folder, "model.safetensors");
        if (!File.Exists(path)) throw new FileNotFoundException($"No model.safetensors in '{folder}' to start from.", path);
        if (EncodecCheckpoint.ConfigBeside(path) is { } theirs && theirs.ToJson() != config.ToJson())
            throw new ArgumentException($"'{folder}' holds another codec configuration than the one trained.");
        if (!model.WeightNormalized)
        {
            EncodecCheckpoint.LoadInto(model, path);
            return;
        }
        using var scope = NewDisposeScope();
        using var plain = EncodecCheckpoint.Load(path, config);
        StateDictLoader.Load(model, WeightNorm.Unfold(plain.state_dict(), model.state_dict().Keys));
    }

    /// <summary>Samples per training clip: whole frames.</summary>
    public int ClipSamples { get; }

    /// <summary>Samples of a clip of <paramref name="seconds"/>, rounded to whole frames (at least one).</summary>
    public static int ClipSamplesFor(EncodecConfig config, double seconds)
    {
        ArgumentNullException.ThrowIfNull(config);
        return (int)Math.Max(1, Math.Round(seconds * config.FrameRate)) * config.HopLength;
    }

    /// <summary>The training split of the corpus in <paramref name="options"/> at the codec's sample rate (espeak-ng speech is synthesised once and cached).</summary>
    public static CodecCorpus LoadCorpus(EncodecConfig config, CodecTrainingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = options.Corpus, SampleRate = config.SamplingRate, Count = options.Utterances },
            cancellationToken: cancellationToken);
        return CodecCorpus.Load(speech, heldOut: false, options.MusicClips);
    }

    /// <summary>
    /// Trains to the end of the schedule (or to <paramref name="until"/>, a step short of it), or until cancelled or
    /// <paramref name="budget"/> has passed; a checkpoint is written either way.
    /// </summary>
    public void Run(TimeSpan? budget = null, long? until = null, CancellationToken cancellationToken = default) =>
        Trainer.RunFor(budget, until, cancellationToken);

    /// <summary>
    /// Writes <c>config.json</c> and the fp16 <c>model.safetensors</c> (Hugging Face EnCodec layout, with the step, weight norm
    /// folded into plain kernels) to <paramref name="directory"/>.
    /// </summary>
    public void Export(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Model.eval();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), Config.ToJson());
        using var scope = NewDisposeScope();
        var step = new Dictionary<string, string> { ["step"] = Trainer.Step.ToString(CultureInfo.InvariantCulture), ["format"] = "encodec-hf" };
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), WeightNorm.FoldAll(Model.state_dict()), step, ScalarType.Float16);
        if (Vocos is null)
        {
            // A folder that held a Vocos decoder for other codes must not keep it.
            File.Delete(Path.Combine(directory, NeuralAudioCodec.VocosConfigFile));
            File.Delete(Path.Combine(directory, NeuralAudioCodec.VocosWeightsFile));
            return;
        }
        Vocos.eval();
        File.WriteAllText(Path.Combine(directory, NeuralAudioCodec.VocosConfigFile), Vocos.Config.ToJson());
        SafetensorsWriter.Write(Path.Combine(directory, NeuralAudioCodec.VocosWeightsFile), Vocos.state_dict(), new Dictionary<string, string>(step) { ["format"] = "vocos" }, ScalarType.Float16);
        Vocos.train();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        Discriminator?.Dispose();
        Vocos?.Dispose();
        warmup.Dispose();
        objective.Dispose();
        Model.Dispose();
    }
}
