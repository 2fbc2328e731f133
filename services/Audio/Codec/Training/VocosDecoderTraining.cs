using System.Globalization;
using Media.Audio.Metrics;
using Media.Modeling.Checkpoints;
using Media.Modeling.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Vocos;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Codec.Training;

/// <summary>
/// Trains a <see cref="VocosDecoder"/> for a trained codec whose encoder and codebooks stay frozen, as Vocos trains its
/// EnCodec decoder: each step encodes a batch of the codec's corpus at a codebook count drawn from
/// <see cref="VocosDecoderTrainingOptions.Codebooks"/>, decodes the codes' latents at that count's condition, and
/// weighs the multi-resolution STFT distance, the log-mel L1 and (optionally) the time-domain L1 against the input.
/// No adversarial term (CPU budget). The codes do not change, so every token cache made with the codec stays valid. A run
/// may start from the codec folder's own decoder (<see cref="VocosDecoderTrainingOptions.InitDecoderFrom"/>) and weigh
/// longer STFTs (<see cref="VocosDecoderTrainingOptions.StftFftSizes"/>) that resolve low notes' pitch.
/// </summary>
public sealed class VocosDecoderTraining : IDisposable
{
    readonly EncodecModel codec;
    readonly MultiResolutionStftDistance stft;
    readonly MelDistance mel;
    readonly VocosDecoderTrainingOptions options;
    readonly Tensor validation;

    /// <summary>A run (new or resumed, per <paramref name="trainerOptions"/>) of a decoder of <paramref name="config"/> for <paramref name="codec"/> over <paramref name="corpus"/>.</summary>
    public VocosDecoderTraining(EncodecModel codec, VocosConfig config, CodecCorpus corpus, CodecCorpus heldOut, VocosDecoderTrainingOptions options,
        TrainerOptions trainerOptions, Device device)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        options.Validate(codec.Config);
        config.CheckReads(codec.Config, nameof(config));
        this.codec = codec;
        this.options = options;
        codec.eval();
        foreach (var p in codec.parameters()) p.requires_grad = false;
        manual_seed(trainerOptions.Seed);
        Model = new VocosDecoder(config);
        if (options.InitDecoderFrom is { } folder)
        {
            // Strictly the same config: a fine-tune, not a transplant.
            var theirs = VocosConfig.Load(Path.Combine(folder, NeuralAudioCodec.VocosConfigFile));
            if (theirs.ToJson() != config.ToJson())
                throw new ArgumentException($"'{folder}' holds a Vocos decoder whose vocos.json is not the one trained.", nameof(options));
            Checkpoint.LoadInto(Model, Path.Combine(folder, NeuralAudioCodec.VocosWeightsFile));
        }
        Model.to(device);
        stft = options.StftFftSizes is { } sizes ? MultiResolutionStftDistance.ForFftSizes(sizes) : MultiResolutionStftDistance.ForSampleRate(config.SampleRate);
        mel = new MelDistance(new MelSpectrogramOptions { SampleRate = config.SampleRate, FftSize = 1024, HopLength = 256, WindowLength = 1024, MelBands = 64 });
        ClipSamples = CodecTraining.ClipSamplesFor(codec.Config, options.ClipSeconds);
        using (NewDisposeScope())
            validation = heldOut.Batch(new Random(12345), 16, ClipSamples, device).DetachFromDisposeScope();
        Trainer = new Trainer<(Tensor Audio, int Codebooks)>(Model,
            position =>
            {
                var random = position.CreateRandom();
                int codebooks = options.Codebooks[random.Next(options.Codebooks.Count)];
                return (corpus.Batch(random, options.Batch, ClipSamples, position.Device), codebooks);
            },
            batch => Terms(batch.Audio, batch.Codebooks).Total,
            trainerOptions,
            batch => batch.Audio.shape[0])
        {
            Evaluate = _ => Validate(),
        };
    }

    /// <summary>The decoder being trained.</summary>
    public VocosDecoder Model { get; }

    /// <summary>The trainer (step, resume point, EMA).</summary>
    public Trainer<(Tensor Audio, int Codebooks)> Trainer { get; }

    /// <summary>Samples per training clip: whole frames.</summary>
    public int ClipSamples { get; }

    /// <summary>The loss of decoding <paramref name="audio"/> <c>[B, 1, T]</c> at <paramref name="codebooks"/>, and its parts.</summary>
    public (Tensor Total, double Stft, double Mel, double Time) Terms(Tensor audio, int codebooks)
    {
        ArgumentNullException.ThrowIfNull(audio);
        using var scope = NewDisposeScope();
        Tensor latents;
        using (no_grad()) latents = codec.Quantizer.Decode(codec.Quantizer.Encode(codec.EncodeLatents(audio), codebooks));
        var decoded = Model.Decode(latents, codebooks);
        var reference = audio.reshape(-1, audio.shape[2]);
        var estimate = decoded.reshape(-1, decoded.shape[2]);
        var spectral = stft.Forward(reference, estimate);
        var melLoss = mel.Forward(reference, estimate);
        var time = nn.functional.l1_loss(estimate, reference);
        var total = spectral + melLoss + options.TimeWeight * time;
        return (total.MoveToOuterDisposeScope(), spectral.item<float>(), melLoss.item<float>(), time.item<float>());
    }

    /// <summary>The loss parts on 16 fixed held-out clips at every trained codebook count's mean.</summary>
    public IReadOnlyDictionary<string, double> Validate()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (int k in options.Codebooks.Distinct().Order())
        {
            var (_, s, m, t) = Terms(validation, k);
            result[$"val_mrstft_q{k}"] = s;
            result[$"val_mel_q{k}"] = m;
            result[$"val_l1_q{k}"] = t;
        }
        return result;
    }

    /// <summary>Trains to the end of the schedule (or to <paramref name="until"/>), or until cancelled or <paramref name="budget"/> has passed; checkpoints either way.</summary>
    public void Run(TimeSpan? budget = null, long? until = null, CancellationToken cancellationToken = default) =>
        Trainer.RunFor(budget, until, cancellationToken);

    /// <summary>
    /// Writes the decoder (the EMA weights when the run keeps them) as <c>vocos.json</c> + fp16 <c>vocos.safetensors</c> into
    /// <paramref name="directory"/>, beside a copy of the codec folder <paramref name="codecFolder"/> it decodes for, so the
    /// folder is a codec whose <see cref="NeuralAudioCodec"/> decodes with it.
    /// </summary>
    public void Export(string codecFolder, string directory)
    {
        ArgumentNullException.ThrowIfNull(codecFolder);
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        if (Path.GetFullPath(codecFolder) != Path.GetFullPath(directory))
            foreach (var name in new[] { "config.json", "model.safetensors" })
                File.Copy(Path.Combine(codecFolder, name), Path.Combine(directory, name), overwrite: true);
        Model.eval();
        File.WriteAllText(Path.Combine(directory, NeuralAudioCodec.VocosConfigFile), Model.Config.ToJson());
        using var scope = NewDisposeScope();
        using (Trainer.Ema?.SwapIn())
            SafetensorsWriter.Write(Path.Combine(directory, NeuralAudioCodec.VocosWeightsFile), Model.state_dict(),
                new Dictionary<string, string> { ["step"] = Trainer.Step.ToString(CultureInfo.InvariantCulture), ["format"] = "vocos" }, ScalarType.Float16);
        Model.train();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Trainer.Dispose();
        validation.Dispose();
        mel.Dispose();
        stft.Dispose();
        Model.Dispose();
    }
}
