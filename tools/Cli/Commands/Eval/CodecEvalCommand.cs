using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Media.Audio.Codecs;
using Media.Audio.Corpora;
using Media.Audio.IO;
using Media.Audio.Metrics;
using Media.Modeling.Devices;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Evaluation;
using Media.Services.Audio.Speech.Recognizer;
using Media.Tokenizers.Audio.Codec;
using Media.Tokenizers.Audio.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Eval;

/// <summary>
/// <c>media eval codec</c>: our codec at each of its bandwidths, Opus (Concentus) and 8-bit mu-law, on
/// held-out espeak-ng speech and held-out procedural music, in one run: SI-SNR, log-mel distance, STOI
/// and the measured bitrate, beside our autoencoder without its quantizer. Prints the table and writes it into the
/// report section of <c>--out</c> (<c>docs/CODEC.md</c>), keeping the rest of that file.
/// </summary>
internal sealed class CodecEvalCommand : Command<CodecEvalCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("-n|--clips")]
        [Description("Held-out clips per domain (speech and music)")]
        [DefaultValue(8)]
        public int N { get; init; } = 8;

        [CommandOption("--checkpoint")]
        [Description("Our codec (folder or EnCodec checkpoint file); when absent the table says it is not trained")]
        [DefaultValue("models/media-codec")]
        public string Checkpoint { get; init; } = "models/media-codec";

        [CommandOption("--corpus")]
        [Description("Folder of the espeak-ng speech corpus cache")]
        [DefaultValue("data/corpora")]
        public string Corpus { get; init; } = "data/corpora";

        [CommandOption("--utterances")]
        [Description("Speech corpus size (its held-out split is evaluated; the same as training's)")]
        [DefaultValue(600)]
        public int Utterances { get; init; } = 600;

        [CommandOption("--rate")]
        [Description("Sample rate of the evaluation audio when no codec is trained (else the codec's)")]
        [DefaultValue(16000)]
        public int Rate { get; init; } = 16000;

        [CommandOption("--out")]
        [Description("Markdown file whose report section (between its markers; a new file is created with them) is rewritten ('' = none)")]
        [DefaultValue("docs/CODEC.md")]
        public string Out { get; init; } = "docs/CODEC.md";

        [CommandOption("--recognizer")]
        [Description("A CTC recognizer folder (e.g. models/asr-ctc-judge): adds its CER on each system's held-out speech, and on the originals")]
        public string? Recognizer { get; init; }

        [CommandOption("--threads")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        public override ValidationResult Validate() =>
            N < 1 ? ValidationResult.Error("-n must be at least 1.")
            : Utterances < 1 ? ValidationResult.Error("--utterances must be positive.")
            : !string.IsNullOrEmpty(Out) && File.Exists(Out) && !ReportSection.IsIn(File.ReadAllText(Out))
                ? ValidationResult.Error($"--out {Out} exists without the report's markers, so writing it would replace the whole file: name another file, or '' for none.")
            : ValidationResult.Success();
    }

    /// <summary>One system's mean scores on one domain.</summary>
    sealed record Row(string System, string Domain, double SiSnr, double Mel, double Stoi, double Kbps, int Clips, double? Cer = null);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = DeviceSelector.Apply(new TorchOptions { Device = "cpu", Threads = settings.Threads });
        bool trained = File.Exists(settings.Checkpoint) || File.Exists(Path.Combine(settings.Checkpoint, "model.safetensors"));
        using var ours = trained ? NeuralAudioCodec.Load(settings.Checkpoint, device) : null;
        int rate = ours?.Model.Config.SamplingRate ?? settings.Rate;

        var speech = SpeechCorpus.Prepare(new SpeechCorpusOptions { Directory = settings.Corpus, SampleRate = rate, Count = settings.Utterances }, cancellationToken: cancellationToken);
        var heldOut = CodecCorpus.Load(speech, heldOut: true, musicClips: settings.N, maxSpeech: settings.N);
        var domains = new (string Name, IReadOnlyList<float[]> Clips)[] { ("speech", heldOut.Speech), ("music", heldOut.Music) };
        // The spoken words of the held-out speech clips, in CodecCorpus's order, for the recognizer's CER.
        var transcripts = speech.Test.Take(settings.N).Select(u => u.Transcript).ToArray();
        using var recognizer = settings.Recognizer is { } folder ? CtcRecognizer.Load(folder, device) : null;
        using var features = recognizer is null ? null : new SpeechFeatures(recognizer.Config.Mel);
        if (recognizer is not null && recognizer.Config.Mel.SampleRate != rate)
            throw new ArgumentException($"The recognizer reads {recognizer.Config.Mel.SampleRate} Hz audio; the codec evaluation runs at {rate} Hz.");
        double? Cer(IReadOnlyList<float[]> clips) => recognizer is null ? null
            : RecognizerEvaluation.Cer(recognizer, features!, clips.Select((clip, i) => (transcripts[i], clip)));

        var systems = new List<IBaselineCodec>();
        if (ours is not null)
        {
            systems.AddRange(ours.Model.Config.TargetBandwidths.Select(kbps => (IBaselineCodec)new NeuralRoundTrip(ours, kbps)));
            systems.Add(new UnquantizedRoundTrip(ours));
        }
        systems.AddRange([new OpusCodec(6000), new OpusCodec(12000), new MuLawCodec(8000), new MuLawCodec(16000)]);

        using var mel = new MelDistance(rate);
        var rows = new List<Row>();
        var speechBands = new List<(string System, double[] Kept)>();
        var clock = Stopwatch.StartNew();
        foreach (var system in systems)
            foreach (var (domain, clips) in domains)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double siSnr = 0, melDistance = 0, stoi = 0, bits = 0, seconds = 0;
                var decodedClips = new List<float[]>();
                foreach (var clip in clips)
                {
                    var result = system.RoundTrip(AudioBuffer.FromMono(clip, rate));
                    var decoded = result.Decoded.ToMonoSamples();
                    decodedClips.Add(decoded);
                    siSnr += SignalMetrics.SiSnr(clip, decoded);
                    melDistance += mel.Compute(clip, decoded);
                    stoi += Stoi.Compute(clip, decoded, rate);
                    double duration = (double)clip.Length / rate;
                    bits += result.BitsPerSecond * duration;
                    seconds += duration;
                }
                if (domain == "speech")
                    speechBands.Add((system.Name, BandEnergy.Ratios(clips.Zip(decodedClips), rate, BandEnergy.SpeechBands)));
                rows.Add(new Row(system.Name, domain, siSnr / clips.Count, melDistance / clips.Count, stoi / clips.Count, bits / seconds / 1000, clips.Count,
                    domain == "speech" ? Cer(decodedClips) : null));
            }

        string table = Table(rows);
        if (Cer(heldOut.Speech) is { } original)
            table += string.Create(CultureInfo.InvariantCulture, $"\nCER: {Path.GetFileName(Path.TrimEndingDirectorySeparator(settings.Recognizer!))}'s greedy transcripts of the speech against its spoken words; on the original clips {original:F3}.\n");
        table += "\n" + BandTable(speechBands, rate);
        Console.Out.WriteLine(table);
        if (ours is null) Console.Out.WriteLine($"our codec is not trained: no checkpoint at {settings.Checkpoint} (train it with `media train codec`).");
        // Headline lines (issue 20): our codec on held-out speech at its 6 kbps setting.
        if (rows.FirstOrDefault(r => r.System == "ours 6 kbps" && r.Domain == "speech") is { } headline)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"speech stoi at 6 kbps: {headline.Stoi:0.000}"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"speech si-snr at 6 kbps: {headline.SiSnr:0.00}"));
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evaluated in {clock.Elapsed.TotalSeconds:F0} s"));
        if (!string.IsNullOrEmpty(settings.Out))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Out))!);
            string report = Report(settings, rate, heldOut, ours, table);
            File.WriteAllText(settings.Out, ReportSection.Merge(File.Exists(settings.Out) ? File.ReadAllText(settings.Out) : null, report));
            AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Out)}[/]");
        }
        return 0;
    }

    static string Table(IReadOnlyList<Row> rows)
    {
        bool cer = rows.Any(r => r.Cer is not null);
        var sb = new StringBuilder("| system | audio | SI-SNR (dB) | log-mel distance | STOI | measured kbps |" + (cer ? " CER |" : "")
            + "\n| --- | --- | ---: | ---: | ---: | ---: |" + (cer ? " ---: |" : "") + "\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"| {r.System} | {r.Domain} ({r.Clips}) | {r.SiSnr:F2} | {r.Mel:F3} | {r.Stoi:F3} | {r.Kbps:F2} |")
                .Append(cer ? string.Create(CultureInfo.InvariantCulture, $" {(r.Cer is { } c ? c.ToString("F3", CultureInfo.InvariantCulture) : "-")} |") : "").Append('\n');
        return sb.ToString();
    }

    // The speech energy each system keeps per band (decoded over original, summed over the clips).
    static string BandTable(IReadOnlyList<(string System, double[] Kept)> systems, int rate)
    {
        var bands = BandEnergy.SpeechBands.Where(b => b.Low < rate / 2.0).ToList();
        string Khz(double hz) => (hz / 1000).ToString("0.#", CultureInfo.InvariantCulture);
        var sb = new StringBuilder("Speech energy kept per band (decoded over original power, 1 = all of it):\n\n| system |"
            + string.Concat(bands.Select(b => $" {Khz(b.Low)}-{Khz(b.High)} kHz |")) + "\n| --- |" + string.Concat(bands.Select(_ => " ---: |")) + "\n");
        foreach (var (system, kept) in systems)
            sb.Append(CultureInfo.InvariantCulture, $"| {system} |").Append(string.Concat(kept.Take(bands.Count).Select(k => string.Create(CultureInfo.InvariantCulture, $" {k:F2} |")))).Append('\n');
        return sb.ToString();
    }

    static string Report(Settings settings, int rate, CodecCorpus heldOut, NeuralAudioCodec? ours, string table)
    {
        var sb = new StringBuilder();
        sb.Append("# Codec evaluation\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Written by `media eval codec -n {settings.N}` (tools/Cli/Commands/Eval/CodecEvalCommand.cs). Held-out audio at {rate / 1000.0:0.#} kHz mono: ");
        sb.Append(CultureInfo.InvariantCulture, $"{heldOut.Speech.Count} espeak-ng utterances from the corpus' held-out split ({settings.Utterances} utterances, seed 1; split by transcript hash, ");
        sb.Append(CultureInfo.InvariantCulture, $"never trained on) and {heldOut.Music.Count} procedural music clips of 4 s (seeds {CodecCorpus.HeldOutMusicSeed}+, training uses {CodecCorpus.TrainMusicSeed}+). ");
        sb.Append(CultureInfo.InvariantCulture, $"Every system runs in the same invocation on the same clips. SI-SNR: higher is better; log-mel distance (mean |log-mel difference|, 80 Slaney bands, ");
        sb.Append(CultureInfo.InvariantCulture, $"1024-point STFT): lower is better; STOI (Taal 2011): higher is better (it is a speech measure; on music it only says how much of the envelope ");
        sb.Append(CultureInfo.InvariantCulture, $"survives). Measured kbps: the payload actually produced per second of input (ours: codebooks x 10 bits x 50 frames/s; without the quantizer, the latents as float32).\n\n");
        if (ours is null)
            sb.Append(CultureInfo.InvariantCulture, $"**Our codec is not trained** (no checkpoint at `{settings.Checkpoint}`), so it has no rows: the EnCodec architecture with random weights is not evaluated.\n\n");
        else
            sb.Append(CultureInfo.InvariantCulture, $"Our codec: `{settings.Checkpoint}` ({ours.Model.Config.SamplingRate / 1000.0:0.#} kHz, {ours.Model.Config.NumQuantizers} codebooks of {ours.Model.Config.CodebookSize}, {ours.Model.Config.FrameRate} frames/s, {(ours.Vocos is null ? "EnCodec's decoder" : "its Vocos decoder")}; see its MODEL_CARD.md).\n\n");
        sb.Append(table);
        return sb.ToString();
    }

    /// <summary>
    /// The report's place in its file, between two markers: each run rewrites what lies between them and keeps the rest (the
    /// notes written around the table; docs/CODEC.md holds most of the codec's history after it).
    /// </summary>
    internal static class ReportSection
    {
        public const string Begin = "<!-- media eval codec: from here to its end marker, each run rewrites this report; the rest of the file is kept -->";
        public const string End = "<!-- media eval codec: end -->";

        public static bool IsIn(string text) => text.IndexOf(Begin, StringComparison.Ordinal) is >= 0 and var b
            && text.IndexOf(End, b, StringComparison.Ordinal) > b;

        /// <summary><paramref name="report"/> in place of the section of <paramref name="existing"/> (a new file: the section alone).</summary>
        public static string Merge(string? existing, string report)
        {
            string section = Begin + "\n" + report.TrimEnd('\n') + "\n" + End;
            if (existing is null) return section + "\n";
            if (!IsIn(existing)) throw new InvalidOperationException("The file has no report section to rewrite.");
            int begin = existing.IndexOf(Begin, StringComparison.Ordinal), end = existing.IndexOf(End, begin, StringComparison.Ordinal) + End.Length;
            return existing[..begin] + section + existing[end..];
        }
    }

    /// <summary>
    /// Our encoder and decoder with no quantizer: where the codec's loss is the autoencoder's and where it is the codes'.
    /// Its bitrate is the latents' as float32.
    /// </summary>
    sealed class UnquantizedRoundTrip(NeuralAudioCodec codec) : IBaselineCodec
    {
        public string Name => "ours, no quantizer";

        public CodecRoundTrip RoundTrip(AudioBuffer audio)
        {
            var config = codec.Model.Config;
            long frames = (audio.Length + config.HopLength - 1) / config.HopLength;
            long bytes = frames * config.HiddenSize * sizeof(float);
            return new CodecRoundTrip(codec.ReconstructUnquantized(audio), bytes, Bitrate.OfPayload(bytes, audio.DurationSeconds));
        }
    }

    /// <summary>Our codec at one bandwidth as a round trip, measured like the baselines.</summary>
    sealed class NeuralRoundTrip(NeuralAudioCodec codec, double kbps) : IBaselineCodec
    {
        public string Name => string.Create(CultureInfo.InvariantCulture, $"ours {kbps:0.##} kbps");

        public CodecRoundTrip RoundTrip(AudioBuffer audio)
        {
            var codes = codec.Encode(audio, kbps);
            var decoded = codec.Decode(codes);
            long bits = (long)Math.Ceiling(codes.Codebooks * codes.Frames * Math.Log2(codes.CodebookSize));
            return new CodecRoundTrip(decoded, (bits + 7) / 8, Bitrate.OfPayload((bits + 7) / 8, audio.DurationSeconds));
        }
    }
}
