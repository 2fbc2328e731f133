using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Encodec;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench codec</c>: real-time factor of encode + decode (seconds of compute per second of audio)
/// for the 24 kHz EnCodec configuration with random weights, and for given codecs (each with the decoder it serves: Vocos when
/// its folder has one) or a config, side by side in one run.
/// </summary>
internal sealed class CodecBenchCommand : Command<CodecBenchCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("--seconds")]
        [Description("Length of the test audio in seconds")]
        [DefaultValue(10.0)]
        public double Seconds { get; init; } = 10.0;

        [CommandOption("--bandwidth")]
        [Description("Bandwidth in kbps (chooses the number of codebooks); the codec's largest when omitted")]
        public double? Bandwidth { get; init; }

        [CommandOption("--checkpoint")]
        [Description("Also measure this codec: a folder (with its Vocos decoder when it has one) or an EnCodec checkpoint file (HF or original layout); repeat to compare several")]
        public string[] Checkpoint { get; init; } = [];

        [CommandOption("--config")]
        [Description("Also measure this config.json with random weights")]
        public string? Config { get; init; }

        [CommandOption("--repeats")]
        [Description("Timed runs per configuration; the median is reported")]
        [DefaultValue(3)]
        public int Repeats { get; init; } = 3;

        public override ValidationResult Validate()
        {
            if (!double.IsFinite(Seconds) || Seconds <= 0 || Seconds > 600) return ValidationResult.Error("--seconds must be in (0, 600].");
            if (Repeats < 1) return ValidationResult.Error("--repeats must be at least 1.");
            if (Checkpoint.FirstOrDefault(c => !File.Exists(c) && !Directory.Exists(c)) is { } c) return ValidationResult.Error($"--checkpoint '{c}' does not exist.");
            if (Config is { } j && !File.Exists(j)) return ValidationResult.Error($"--config '{j}' does not exist.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var runs = new List<(string Name, Func<NeuralAudioCodec> Create)>
        {
            ("encodec 24 kHz (random weights)", () => new NeuralAudioCodec(Seeded(() => new EncodecModel(EncodecConfig.Encodec24kHz, device)))),
        };
        if (settings.Config is { } config)
            runs.Add(($"{config} (random weights)", () => new NeuralAudioCodec(Seeded(() => new EncodecModel(EncodecConfig.Load(config), device)))));
        foreach (var checkpoint in settings.Checkpoint)
            runs.Add((checkpoint, () => NeuralAudioCodec.Load(checkpoint, device)));

        foreach (var (label, create) in runs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var codec = create();
            var model = codec.Model;
            string name = $"{label} ({codec.DecoderName} decoder)";
            var result = Measure(codec, settings, device);
            // Plain stdout: one unwrapped line per configuration, easy to grep.
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"codec rtf: {result.Rtf:F4}  {name}; {model.Config.SamplingRate / 1000.0:0.#} kHz, {result.Kbps:0.##} kbps ({result.Codebooks} codebooks), "
                + $"{settings.Seconds:0.##} s audio, {device}, {get_num_threads()} threads; encode {result.Encode:F3} s, decode {result.Decode:F3} s (median of {settings.Repeats}), CPU time {result.CpuSeconds:F3} s per run"));
        }
        return 0;
    }

    static EncodecModel Seeded(Func<EncodecModel> create)
    {
        manual_seed(0);
        return create();
    }

    // CpuSeconds: process CPU time over all timed runs per run, to tell compute from waiting on a busy host.
    sealed record Result(double Rtf, double Encode, double Decode, double CpuSeconds, int Codebooks, double Kbps);

    static Result Measure(NeuralAudioCodec codec, Settings settings, Device device)
    {
        var model = codec.Model;
        int codebooks = model.CodebooksFor(settings.Bandwidth);
        long samples = (long)Math.Round(settings.Seconds * model.Config.SamplingRate);
        using var scope = NewDisposeScope();
        var audio = (0.1f * randn([1, model.Config.AudioChannels, samples], generator: new torch.Generator(1))).to(device);

        // Warm-up: first calls allocate and pick kernels.
        using (NewDisposeScope()) codec.DecodeCodes(model.Encode(audio.narrow(2, 0, Math.Min(samples, model.Config.SamplingRate)), settings.Bandwidth));

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var encodeTimes = new List<double>();
        var decodeTimes = new List<double>();
        for (int i = 0; i < settings.Repeats; i++)
        {
            using var repeat = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var codes = model.Encode(audio, settings.Bandwidth);
            Synchronize(device);
            encodeTimes.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            codec.DecodeCodes(codes);
            Synchronize(device);
            decodeTimes.Add(clock.Elapsed.TotalSeconds);
        }
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / settings.Repeats;
        double encode = Median(encodeTimes), decode = Median(decodeTimes);
        return new Result((encode + decode) / settings.Seconds, encode, decode, cpu, codebooks, codebooks * model.Config.KbpsPerCodebook);
    }

    static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
