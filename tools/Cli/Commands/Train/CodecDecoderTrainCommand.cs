using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Services.Audio.Codec.Training;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Media.Tokenizers.Audio.Training;
using Media.Tokenizers.Audio.Vocos;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Train;

/// <summary>
/// <c>media train codec-decoder</c>: trains a Vocos decoder for a trained codec (its encoder and codebooks frozen, so its
/// codes stay as they are) on the codec's corpus; resumes from the run folder; exports the codec folder with
/// <c>vocos.json</c> + fp16 <c>vocos.safetensors</c> beside its weights.
/// </summary>
internal sealed class CodecDecoderTrainCommand : Command<CodecDecoderTrainCommand.Settings>
{
    internal sealed class Settings : CodecTrainingSettings
    {
        [CommandOption("--codec")]
        [Description("The trained codec folder whose codes the decoder reads (frozen)")]
        [DefaultValue("models/media-codec")]
        public string Codec { get; init; } = "models/media-codec";

        [CommandOption("--run")]
        [Description("Run folder (checkpoints, train.jsonl, the pinned vocos.json); an existing run resumes")]
        [DefaultValue("runs/codec-vocos")]
        public override string Run { get; init; } = "runs/codec-vocos";

        [CommandOption("--export")]
        [Description("Codec folder to write: a copy of --codec with vocos.json and vocos.safetensors (fp16, EMA) beside it")]
        [DefaultValue("models/media-codec")]
        public string Export { get; init; } = "models/media-codec";

        [CommandOption("--codebooks")]
        [Description("Codebook counts a step draws from, comma-separated")]
        [DefaultValue("3,4,6,8,12")]
        public string Codebooks { get; init; } = "3,4,6,8,12";

        [CommandOption("--time-weight")]
        [Description("Weight of the time-domain L1 against the spectral terms (0: the spectrum alone, as Vocos)")]
        [DefaultValue(0.0)]
        public double TimeWeight { get; init; }

        [CommandOption("--init-decoder")]
        [Description("Start from --codec's own Vocos decoder (its vocos.json sizes, so leave --dim, --intermediate, --layers and --n-fft out): a fine-tune that keeps the codes")]
        public bool InitDecoder { get; init; }

        [CommandOption("--stft-ffts")]
        [Description("FFT sizes of the multi-resolution STFT loss, comma-separated samples (default 256,512,1024 at 16 kHz; 4096 resolves low notes' pitch)")]
        public string? StftFfts { get; init; }

        [CommandOption("--clip-seconds")]
        [Description("Length of a training clip in seconds (whole frames); a long STFT needs more than half its size")]
        [DefaultValue(1.0)]
        public double ClipSeconds { get; init; } = 1.0;

        [CommandOption("--dim")]
        [Description("Backbone width (Vocos: 384)")]
        [DefaultValue(256)]
        public int Dim { get; init; } = 256;

        [CommandOption("--intermediate")]
        [Description("MLP width of each ConvNeXt block (Vocos: 1152)")]
        [DefaultValue(768)]
        public int Intermediate { get; init; } = 768;

        [CommandOption("--layers")]
        [Description("ConvNeXt blocks (Vocos: 8)")]
        [DefaultValue(8)]
        public int Layers { get; init; } = 8;

        [CommandOption("--n-fft")]
        [Description("FFT size of the inverse transform, in samples (Vocos: four hops)")]
        [DefaultValue(1280)]
        public int NFft { get; init; } = 1280;

        [CommandOption("--steps")]
        [Description("Total optimizer steps (the learning-rate schedule spans them)")]
        [DefaultValue(6000L)]
        public override long Steps { get; init; } = 6000;

        [CommandOption("--batch")]
        [Description("Clips (--clip-seconds each) per step")]
        [DefaultValue(8)]
        public override int Batch { get; init; } = 8;

        [CommandOption("--lr")]
        [Description("Peak learning rate (AdamW)")]
        [DefaultValue(1e-3)]
        public override double LearningRate { get; init; } = 1e-3;

        [CommandOption("--ema")]
        [Description("EMA decay of the exported weights (0: none)")]
        [DefaultValue(0.995)]
        public double Ema { get; init; } = 0.995;

        [CommandOption("--eval-every")]
        [Description("Steps between held-out loss readings (16 clips, every trained codebook count); 0: none")]
        [DefaultValue(250L)]
        public long EvalEvery { get; init; } = 250;

        [CommandOption("--checkpoint-every")]
        [DefaultValue(100L)]
        public override long CheckpointEvery { get; init; } = 100;

        [CommandOption("--threads")]
        [Description("libtorch intra-op threads (0 = one thread, as DeviceSelector applies it)")]
        [DefaultValue(1)]
        public override int Threads { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (!File.Exists(Path.Combine(Codec, "model.safetensors"))) return ValidationResult.Error($"--codec '{Codec}' has no model.safetensors.");
            if (ParsePositiveList(Codebooks) is null) return ValidationResult.Error("--codebooks must be comma-separated positive counts.");
            if (StftFfts is not null && (ParsePositiveList(StftFfts) is not { } sizes || sizes.Any(n => n < 16)))
                return ValidationResult.Error("--stft-ffts must be comma-separated FFT sizes of at least 16 samples.");
            if (InitDecoder && (!File.Exists(Path.Combine(Codec, NeuralAudioCodec.VocosWeightsFile)) || !File.Exists(Path.Combine(Codec, NeuralAudioCodec.VocosConfigFile))))
                return ValidationResult.Error($"--init-decoder: '{Codec}' has no {NeuralAudioCodec.VocosConfigFile} and {NeuralAudioCodec.VocosWeightsFile} to start from.");
            if (InitDecoder && (Dim != 256 || Intermediate != 768 || Layers != 8 || NFft != 1280))
                return ValidationResult.Error("--init-decoder takes the folder's decoder sizes: leave --dim, --intermediate, --layers and --n-fft out.");
            if (!double.IsFinite(ClipSeconds) || ClipSeconds <= 0 || ClipSeconds > 30) return ValidationResult.Error("--clip-seconds must lie in (0, 30].");
            if (!double.IsFinite(TimeWeight) || TimeWeight < 0) return ValidationResult.Error("--time-weight must be a finite number >= 0.");
            if (Dim < 1 || Intermediate < 1 || Layers < 0) return ValidationResult.Error("--dim and --intermediate must be positive and --layers not negative.");
            if (Ema is < 0 or >= 1) return ValidationResult.Error("--ema must lie in [0, 1).");
            if (EvalEvery < 0) return ValidationResult.Error("--eval-every must be 0 or more.");
            return base.Validate();
        }

        internal static int[]? ParsePositiveList(string text)
        {
            var values = new List<int>();
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) || k < 1) return null;
                values.Add(k);
            }
            return values.Count == 0 ? null : [.. values];
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var codec = EncodecCheckpoint.Load(Path.Combine(settings.Codec, "model.safetensors"), device: device);
        var config = settings.InitDecoder
            ? VocosConfig.Load(Path.Combine(settings.Codec, NeuralAudioCodec.VocosConfigFile))
            : new VocosConfig
            {
                InputChannels = codec.Config.HiddenSize, Dim = settings.Dim, IntermediateDim = settings.Intermediate, NumLayers = settings.Layers,
                NFft = settings.NFft, HopLength = codec.Config.HopLength, SampleRate = codec.Config.SamplingRate,
                ConditionCodebooks = [.. Enumerable.Range(1, codec.Config.NumQuantizers)],
            };
        config.Validate();
        settings.PinRunConfig("vocos.json", config.ToJson());
        var options = new VocosDecoderTrainingOptions
        {
            Batch = settings.Batch, Codebooks = Settings.ParsePositiveList(settings.Codebooks)!, TimeWeight = settings.TimeWeight, ClipSeconds = settings.ClipSeconds,
            StftFftSizes = settings.StftFfts is { } ffts ? Settings.ParsePositiveList(ffts) : null,
            InitDecoderFrom = settings.InitDecoder ? settings.Codec : null,
        };
        options.Validate(codec.Config);
        // A resume under another loss or other clips would mix two objectives in one run (runs from before this pin get it written).
        settings.PinRunConfig("decoder-options.json", JsonSerializer.Serialize(new
        {
            codebooks = options.Codebooks, time_weight = options.TimeWeight, clip_seconds = options.ClipSeconds, stft_ffts = options.StftFftSizes, batch = options.Batch,
        }));
        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = settings.Corpus, SampleRate = codec.Config.SamplingRate, Count = settings.Utterances },
            cancellationToken: cancellationToken);
        var corpus = CodecCorpus.Load(speech, heldOut: false, settings.MusicClips);
        var heldOut = CodecCorpus.Load(speech, heldOut: true, 8);
        Console.Error.WriteLine($"codec decoder training data: {corpus.Speech.Count} speech clips, {corpus.Music.Count} music clips at {codec.Config.SamplingRate} Hz");

        var schedule = settings.Schedule("clips") with { EmaDecay = settings.Ema > 0 ? settings.Ema : null, EvalEvery = settings.EvalEvery };
        using var training = new VocosDecoderTraining(codec, config, corpus, heldOut, options, schedule, device);
        settings.AnnounceStart(training.Trainer.ResumedFromStep,
            $"Vocos decoder {config.Dim} x {config.NumLayers} (n_fft {config.NFft}) for {settings.Codec}{(settings.InitDecoder ? ", from its own decoder" : "")}, codebooks {settings.Codebooks}, time weight {settings.TimeWeight}, stft {settings.StftFfts ?? "default"}, clips {settings.ClipSeconds} s");
        var clock = Stopwatch.StartNew();
        training.Run(settings.Minutes > 0 ? TimeSpan.FromMinutes(settings.Minutes) : null, settings.Until, cancellationToken);
        training.Export(settings.Codec, settings.Export);
        AnsiConsole.MarkupLine($"trained to step {training.Trainer.Step} of {settings.Steps} in {clock.Elapsed:hh\\:mm\\:ss}; exported [bold]{Markup.Escape(settings.Export)}[/]");
        return 0;
    }
}
