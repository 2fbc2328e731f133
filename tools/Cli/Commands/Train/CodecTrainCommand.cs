using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Services.Audio.Codec.Training;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Training.Adversarial;
using Media.Tokenizers.Audio.Vocos;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train codec</c>: trains our EnCodec-architecture codec (<see cref="MediaCodecConfig"/>) on
/// espeak-ng speech and procedural music with reconstruction losses and EMA codebooks; resumes from the
/// run folder; exports <c>config.json</c> + fp16 <c>model.safetensors</c>.
/// </summary>
internal sealed class CodecTrainCommand : Command<CodecTrainCommand.Settings>
{
    internal sealed class Settings : CodecTrainingSettings
    {
        [CommandOption("--run")]
        [Description("Run folder (checkpoints, train.jsonl); an existing run resumes")]
        [DefaultValue("runs/media-codec")]
        public override string Run { get; init; } = "runs/media-codec";

        [CommandOption("--export")]
        [Description("Folder to write config.json and model.safetensors (fp16) to at the end")]
        [DefaultValue("models/media-codec")]
        public string Export { get; init; } = "models/media-codec";

        [CommandOption("--config")]
        [Description("EnCodec config.json to train instead of the default 16 kHz codec")]
        public string? Config { get; init; }

        [CommandOption("--steps")]
        [Description("Total optimizer steps (the learning-rate schedule spans them)")]
        [DefaultValue(3000L)]
        public override long Steps { get; init; } = 3000;

        [CommandOption("--batch")]
        [Description("Clips per step")]
        [DefaultValue(8)]
        public override int Batch { get; init; } = 8;

        [CommandOption("--continuous-steps")]
        [Description("First steps train encoder and decoder without the quantizer, on the squared time-domain error alone; the codebooks then start from the encoder's outputs (default 400; 0 with --init)")]
        public int? ContinuousSteps { get; init; }

        [CommandOption("--time-weight")]
        [Description("Weight of the time-domain L1 term against the spectral terms (weight 1 each)")]
        [DefaultValue(5.0)]
        public double TimeWeight { get; init; } = 5.0;

        [CommandOption("--clip-seconds")]
        [Description("Length of a training clip (rounded to whole frames)")]
        [DefaultValue(1.0)]
        public double ClipSeconds { get; init; } = 1.0;

        [CommandOption("--adversarial-start")]
        [Description("From this step on, train EnCodec's MS-STFT discriminator too, with feature matching and the loss balancer (t 0.1, f 1, g 3, feat 3); unset: reconstruction losses only")]
        public long? AdversarialStart { get; init; }

        [CommandOption("--disc-warmup-steps")]
        [Description("Steps after --adversarial-start in which only the discriminator learns from the adversarial terms (the codec keeps its reconstruction losses); for a fine-tune from --init")]
        [DefaultValue(0L)]
        public long DiscriminatorWarmupSteps { get; init; }

        [CommandOption("--balance")]
        [Description("Shares of the balanced gradient in adversarial steps: time L1, frequency (STFT + mel), generator hinge, feature matching (EnCodec: 0.1,1,3,3)")]
        [DefaultValue("0.1,1,3,3")]
        public string Balance { get; init; } = "0.1,1,3,3";

        [CommandOption("--disc-filters")]
        [Description("Channels of every discriminator scale (EnCodec: 32)")]
        [DefaultValue(32)]
        public int DiscriminatorFilters { get; init; } = 32;

        [CommandOption("--disc-ffts")]
        [Description("FFT sizes of the discriminator's scales, comma-separated (EnCodec: 2048,1024,512,256,128)")]
        [DefaultValue("2048,1024,512,256,128")]
        public string DiscriminatorFfts { get; init; } = "2048,1024,512,256,128";

        [CommandOption("--no-weight-norm")]
        [Description("Train plain kernels instead of EnCodec's weight-normalised ones (weight_g, weight_v; folded at export); a run resumes only with the choice it started with")]
        public bool NoWeightNorm { get; init; }

        [CommandOption("--init")]
        [Description("Codec folder (config.json + model.safetensors) to start from, e.g. models/media-codec for an adversarial fine-tune; a resumed run ignores it")]
        public string? Init { get; init; }

        [CommandOption("--decoder")]
        [Description("encodec: EnCodec's SEANet decoder; vocos: a Vocos decoder (iSTFT head, every layer at the frame rate) trained with the encoder in its place")]
        [DefaultValue("encodec")]
        public string Decoder { get; init; } = "encodec";

        [CommandOption("--vocos-dim")]
        [Description("With --decoder vocos: backbone width and MLP width, e.g. 256,768 (Vocos: 384,1152)")]
        [DefaultValue("256,768")]
        public string VocosDim { get; init; } = "256,768";

        [CommandOption("--vocos-layers")]
        [Description("With --decoder vocos: ConvNeXt blocks (Vocos: 8)")]
        [DefaultValue(8)]
        public int VocosLayers { get; init; } = 8;

        [CommandOption("--lr")]
        [Description("Peak learning rate (AdamW)")]
        [DefaultValue(1e-3)]
        public override double LearningRate { get; init; } = 1e-3;

        [CommandOption("--checkpoint-every")]
        [DefaultValue(50L)]
        public override long CheckpointEvery { get; init; } = 50;

        [CommandOption("--threads")]
        [Description("libtorch intra-op threads (0 = one thread, as DeviceSelector applies it)")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (ContinuousSteps < 0) return ValidationResult.Error("--continuous-steps must be 0 or more.");
            if (Decoder is not ("encodec" or "vocos")) return ValidationResult.Error("--decoder must be encodec or vocos.");
            if (ParseWidths(VocosDim) is null || VocosLayers < 0) return ValidationResult.Error("--vocos-dim must be two positive widths (dim,intermediate) and --vocos-layers not negative.");
            if (Init is not null && ContinuousSteps > 0) return ValidationResult.Error("--init starts from a trained, quantized codec: --continuous-steps must be 0.");
            if (DiscriminatorWarmupSteps < 0) return ValidationResult.Error("--disc-warmup-steps must be 0 or more.");
            if (!double.IsFinite(TimeWeight) || TimeWeight < 0) return ValidationResult.Error("--time-weight must be a finite number >= 0.");
            if (!double.IsFinite(ClipSeconds) || ClipSeconds <= 0 || ClipSeconds > 30) return ValidationResult.Error("--clip-seconds must be in (0, 30].");
            if (Config is { } c && !File.Exists(c)) return ValidationResult.Error($"--config '{c}' does not exist.");
            if (AdversarialStart is < 0) return ValidationResult.Error("--adversarial-start must be 0 or more.");
            if (DiscriminatorFilters < 1) return ValidationResult.Error("--disc-filters must be positive.");
            if (ParseBalance(Balance) is null) return ValidationResult.Error("--balance must be four positive numbers: t,f,g,feat.");
            if (ParseFfts(DiscriminatorFfts) is null) return ValidationResult.Error("--disc-ffts must be comma-separated powers of two of at least 16.");
            if (Init is { } init && !File.Exists(Path.Combine(init, "model.safetensors"))) return ValidationResult.Error($"--init '{init}' has no model.safetensors.");
            return base.Validate();
        }

        internal static string AdversarialTerms(CodecLoss loss) => loss.Generator is { } g
            ? string.Create(CultureInfo.InvariantCulture, $"  g {g:F4}  feat {loss.FeatureMatching:F4}  d {loss.Discriminator:F4}{(loss.Phase == AdversarialPhase.DiscriminatorOnly ? " (discriminator warm-up)" : "")}")
            : "";

        internal static (int Dim, int Intermediate)? ParseWidths(string text)
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int dim) && dim > 0
                && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int hidden) && hidden > 0 ? (dim, hidden) : null;
        }

        internal static (double, double, double, double)? ParseBalance(string text)
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var values = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]) || values[i] <= 0) return null;
            return values.Length == 4 ? (values[0], values[1], values[2], values[3]) : null;
        }

        internal static int[]? ParseFfts(string text)
        {
            var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var sizes = new List<int>();
            foreach (var part in parts)
            {
                if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 16 || (n & (n - 1)) != 0) return null;
                sizes.Add(n);
            }
            return sizes.Count == 0 ? null : [.. sizes];
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var config = settings.Config is { } path ? EncodecConfig.Load(path) : MediaCodecConfig.Default;
        var options = new CodecTrainingOptions
        {
            Corpus = settings.Corpus, Utterances = settings.Utterances, MusicClips = settings.MusicClips, Batch = settings.Batch,
            ContinuousSteps = settings.ContinuousSteps ?? (settings.Init is null ? 400 : 0), TimeWeight = settings.TimeWeight, ClipSeconds = settings.ClipSeconds,
            AdversarialStart = settings.AdversarialStart, DiscriminatorWarmupSteps = settings.DiscriminatorWarmupSteps, DiscriminatorFilters = settings.DiscriminatorFilters,
            DiscriminatorFftSizes = Settings.ParseFfts(settings.DiscriminatorFfts)!, Balance = Settings.ParseBalance(settings.Balance)!.Value, InitFrom = settings.Init,
            WeightNorm = !settings.NoWeightNorm,
        };
        if (settings.Config is null && settings.Init is { } init) config = EncodecConfig.Load(Path.Combine(init, "config.json"));
        if (settings.Decoder == "vocos")
        {
            var (dim, intermediate) = Settings.ParseWidths(settings.VocosDim)!.Value;
            options = options with
            {
                Vocos = new VocosConfig
                {
                    InputChannels = config.HiddenSize, Dim = dim, IntermediateDim = intermediate, NumLayers = settings.VocosLayers, NFft = 4 * config.HopLength,
                    HopLength = config.HopLength, SampleRate = config.SamplingRate, ConditionCodebooks = [.. Enumerable.Range(1, config.NumQuantizers)],
                },
            };
        }
        var corpus = CodecTraining.LoadCorpus(config, options, cancellationToken);
        Console.Error.WriteLine($"codec training data: {corpus.Speech.Count} speech clips, {corpus.Music.Count} music clips at {config.SamplingRate} Hz");

        var clock = Stopwatch.StartNew();
        // Each step prints its loss terms, so no progress bar is drawn over them.
        var schedule = settings.Schedule("clips") with { Progress = null };
        using var training = new CodecTraining(config, corpus, options, schedule, device, loss =>
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{clock.Elapsed:hh\\:mm\\:ss}] n_q {loss.Codebooks,2}  loss {loss.Total.item<float>():F4}  l1 {loss.Time:F4}  stft {loss.Stft:F4}  mel {loss.Mel:F4}  commit {loss.Commitment:F4}  restarted {loss.RestartedCodes}{Settings.AdversarialTerms(loss)}")));
        if (training.Trainer.ResumedFromStep is { } resumed) Console.Error.WriteLine($"resumed from step {resumed}");
        training.Run(settings.Minutes > 0 ? TimeSpan.FromMinutes(settings.Minutes) : null, settings.Until, cancellationToken);

        training.Export(settings.Export);
        AnsiConsole.MarkupLine($"trained to step {training.Trainer.Step} of {settings.Steps}; exported [bold]{Markup.Escape(settings.Export)}[/]");
        return 0;
    }
}
