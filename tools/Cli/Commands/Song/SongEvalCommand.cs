using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Modeling.Sampling;
using Media.Services.Audio.Evaluation;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Recognizer;
using Media.Services.Song.Generation;
using Media.Services.Song.LeVo;
using Media.Services.Song.LeVo.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media eval song --n 50 --model DIR|ID [--model ...]</c>: each song model (a SongGen folder of one mode, or a LeVo
/// folder; a bare id such as <c>songgen</c> or <c>levo</c> names the models folder's own) sings the
/// openings of n held-out corpus songs (their description and the lines sung within <c>--seconds</c>, for as long as the
/// corpus sings them); the mix's tempo and key, the recognizer's CER on the vocal stem (dual-track) or the mix (mixed),
/// the stems' leakage, RTF and time to the first chunk are measured (<see cref="SongModelEvaluation"/>), with the corpus's
/// own CER on the same excerpts as the ceiling, and the tempo and key the estimators read from those excerpts through the
/// model's own tokens and back (the ceiling its tokens set). One row per model, then the headline lines of the best by lyric CER.
/// </summary>
internal sealed class SongEvalCommand : Command<SongEvalCommand.Settings>
{
    internal sealed class Settings : SongOpeningSettings
    {
        [CommandOption("-n|--count")]
        [DefaultValue(50)]
        public int Count { get; init; } = 50;

        [CommandOption("--model")]
        [Description("A song model folder, SongGen (one mode) or LeVo, or a model id of the models folder (songgen, levo); repeat for one row each; default: songgen")]
        public string[] Model { get; init; } = [];

        [CommandOption("--guidance")]
        [Description("Guidance scale (default: the model's: SongGen 3, LeVo 1.5)")]
        public double? Guidance { get; init; }

        [CommandOption("--top-k")]
        [Description("Top-k (default: the model's: SongGen 250, LeVo 50)")]
        public int? TopK { get; init; }

        [CommandOption("--temperature")]
        [Description("Temperature (default: the model's: SongGen 1, LeVo 0.9)")]
        public double? Temperature { get; init; }

        [CommandOption("--reference")]
        [Description("A pre-DPO LeVo folder: the first model's dpo preference gain over it, prompt by prompt (default: a DPO-trained LeVo folder's own pre-dpo/)")]
        public string? Reference { get; init; }

        [CommandOption("--verbose")]
        public bool Verbose { get; init; }

        public override ValidationResult Validate() => Count < 1 ? ValidationResult.Error("-n must be at least 1.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        string models = settings.ModelsFolder;
        string[] folders = [.. (settings.Model.Length > 0 ? settings.Model : [SongGenerator.ModelFolder])
            .Select(m => Directory.Exists(m) ? m : Path.Combine(models, m))];
        using var recognizer = CtcRecognizer.Load(Path.Combine(models, "asr-ctc"), device);
        using var features = new SpeechFeatures(recognizer.Config.Mel);
        var evaluation = new SongModelEvaluation(recognizer, features);
        var corpus = new LyricSongGenerator(16000);
        // Every model sings the same prompts: each corpus song is rendered once (espeak-ng and PSOLA take seconds a song).
        var songsBySeed = new Dictionary<ulong, LyricSong>();
        LyricSong Song(ulong seed) => songsBySeed.TryGetValue(seed, out var made) ? made : songsBySeed[seed] = corpus.Generate(seed);
        var reports = new List<(string Mode, SongModelReport Report)>();
        Console.WriteLine("model             tempo   key     key_mirex  tok_tempo  tok_key  lyric_cer  corpus_cer  leakage  clarity  rtf     cpu_rtf  first_chunk_s");
        SongModelReport Evaluate(string folder, string? label = null, bool tokenCeiling = true)
        {
            using ISongSynthesizer songs = LeVoCheckpoint.IsLeVoFolder(folder)
                ? LeVoLoader.LoadFolder(folder, Path.Combine(models, "media-codec"), device, maxConcurrent: 1)
                : SongGenLoader.LoadFolder(folder, Path.Combine(models, "media-codec"), device, maxConcurrent: 1);
            var defaults = songs.Defaults;
            var rows = new List<SongModelRow>();
            for (int i = 0; i < settings.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ulong seed = settings.Seed + (ulong)i;
                var prompt = CorpusSongPrompt.Of(seed, Song(seed), settings.Seconds, songs);
                var spec = prompt.Spec(new SamplingParameters { Temperature = settings.Temperature ?? defaults.Temperature, TopK = settings.TopK ?? defaults.TopK, Seed = seed },
                    settings.Guidance ?? defaults.GuidanceScale);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var audio = songs.SynthesizeAsync(spec, (_, _) => ValueTask.CompletedTask, cancellationToken).GetAwaiter().GetResult();
                var row = evaluation.Measure(prompt.Made(audio, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, tokensOf: tokenCeiling ? songs : null));
                rows.Add(row);
                if (settings.Verbose)
                    Console.WriteLine(Invariant($"  seed {seed}: tempo {row.Tempo:F1} -> {row.EstimatedTempo:F1}, key {row.Key} -> {row.EstimatedKey}, clarity {row.KeyClarity:F2}, through the tokens {row.TokenEstimatedTempo:F1} bpm {row.TokenEstimatedKey}, heard \"{row.Transcript}\""));
            }
            var report = new SongModelReport(rows);
            string name = label ?? songs.Name;
            // Two folders of one mode (checkpoints of one run, say) are told apart by their folders.
            if (reports.Any(r => r.Mode == name)) name = $"{name} ({Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))})";
            Console.WriteLine(Invariant($"{name,-17} {report.TempoAccuracy,-7:F2} {report.KeyAccuracy,-7:F2} {report.KeyWeightedScore,-10:F3} {Optional(report.TokenTempoAccuracy, "F2"),-10} {Optional(report.TokenKeyAccuracy, "F2"),-8} {report.LyricCer,-10:F4} {report.CorpusLyricCer,-11:F4} {Optional(report.StemLeakage, "F4"),-8} {report.MeanKeyClarity,-8:F3} {report.RealTimeFactor,-7:F2} {report.CpuRealTimeFactor,-8:F2} {report.MeanFirstChunkSeconds:F2}"));
            reports.Add((name, report));
            return report;
        }
        var first = folders.Select(f => Evaluate(f)).ToList()[0];
        // DPO's preference gain: the first model against its pre-DPO reference, prompt by prompt on the same seeds.
        string? reference = settings.Reference
            ?? (LeVoCheckpoint.IsLeVoFolder(folders[0]) && LeVoCheckpoint.ReadConfig(folders[0]).DpoSteps > 0 && Directory.Exists(Path.Combine(folders[0], LeVoCheckpoint.PreDpoFolder))
                ? Path.Combine(folders[0], LeVoCheckpoint.PreDpoFolder) : null);
        double? gain = null;
        if (reference is not null)
        {
            // The reference shares the DPO model's tokenizer, so its token ceiling is the same: not read twice.
            var before = Evaluate(reference, "levo (pre-dpo)", tokenCeiling: false);
            gain = first.Rows.Zip(before.Rows).Count(p => p.First.PreferenceScore > p.Second.PreferenceScore) / (double)first.Rows.Count;
            Console.WriteLine(Invariant($"preference score: {first.Rows.Average(r => r.PreferenceScore):F3} (reference {before.Rows.Average(r => r.PreferenceScore):F3})"));
            reports.RemoveAt(reports.Count - 1); // the reference is not a candidate for the headline
        }
        // Rows beside the first, prompt by prompt: which one sings the asked tempo and key more often, beyond sampling noise.
        foreach (var (name, report) in reports.Skip(1))
        {
            var tempo = PairedSignTest.Of([.. report.Rows.Select(r => r.TempoCorrect)], [.. first.Rows.Select(r => r.TempoCorrect)]);
            var key = PairedSignTest.Of([.. report.Rows.Select(r => r.KeyCorrect)], [.. first.Rows.Select(r => r.KeyCorrect)]);
            Console.WriteLine(Invariant($"{name} against {reports[0].Mode}, prompts only one got right: tempo +{tempo.Better} / -{tempo.Worse} (sign test p {tempo.PValue:F3}), key +{key.Better} / -{key.Worse} (p {key.PValue:F3})"));
        }
        var (bestMode, best) = reports.MinBy(r => r.Report.LyricCer);
        Console.WriteLine($"best model: {bestMode}");
        Console.WriteLine(Invariant($"tempo accuracy: {best.TempoAccuracy:F2}"));
        Console.WriteLine(Invariant($"key accuracy: {best.KeyAccuracy:F2}"));
        Console.WriteLine(Invariant($"key weighted score: {best.KeyWeightedScore:F3}"));
        // The estimators on the corpus songs' own openings, the same seconds: the ceilings of the two accuracies above.
        if (best.CorpusTempoAccuracy is { } corpusTempo) Console.WriteLine(Invariant($"corpus tempo accuracy: {corpusTempo:F2}"));
        if (best.CorpusKeyAccuracy is { } corpusKey) Console.WriteLine(Invariant($"corpus key accuracy: {corpusKey:F2}"));
        // The same through the model's tokens and back: what its songs could score at best, whatever it learned.
        if (best.TokenTempoAccuracy is { } tokenTempo) Console.WriteLine(Invariant($"token tempo accuracy: {tokenTempo:F2}"));
        if (best.TokenKeyAccuracy is { } tokenKey) Console.WriteLine(Invariant($"token key accuracy: {tokenKey:F2}"));
        Console.WriteLine(Invariant($"lyric cer: {best.LyricCer:F4}"));
        Console.WriteLine(Invariant($"corpus lyric cer: {best.CorpusLyricCer:F4}"));
        if (best.StemLeakage is { } leak) Console.WriteLine(Invariant($"stem leakage: {leak:F4}"));
        Console.WriteLine(Invariant($"rtf: {best.RealTimeFactor:F2} (cpu {best.CpuRealTimeFactor:F2})"));
        Console.WriteLine(Invariant($"time to first chunk: {best.MeanFirstChunkSeconds:F2} s"));
        if (gain is { } g) Console.WriteLine(Invariant($"dpo preference gain: {g:F2}"));
        return 0;
    }

    // A figure a row may lack (a mixed mode's leakage): "-" where it is absent.
    static string Optional(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
