using System.ComponentModel;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Services.Audio.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media eval song-corpus --n 50</c>: the sung-lyrics corpus's own figures, the ceilings of every song model: the
/// recognizer's CER on the vocal stems, and the accuracy of the tempo (within 4 %) and key estimators on the mixes.
/// </summary>
internal sealed class SongCorpusEvalCommand : Command<SongCorpusEvalCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("-n|--count")]
        [Description("Songs to generate and measure")]
        [DefaultValue(50)]
        public int Count { get; init; } = 50;

        [CommandOption("--seed")]
        [Description("Seed of the first song (song i has seed + i); the default is the held-out range")]
        [DefaultValue(900_000UL)]
        public ulong Seed { get; init; } = 900_000;

        [CommandOption("--models")]
        [Description("Models folder holding asr-ctc (default: the checkout's models/)")]
        public string? Models { get; init; }

        [CommandOption("--verbose")]
        [Description("Print every song's figures and transcript")]
        public bool Verbose { get; init; }

        public override ValidationResult Validate() => Count < 1 ? ValidationResult.Error("-n must be at least 1.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        string models = settings.Models ?? new MediaOptions().ResolveModelsDirectory();
        var generator = new LyricSongGenerator(16000);
        var progress = settings.Verbose ? new PrintedRows() : null;
        var report = SongCorpusEvaluation.Run(generator, Path.Combine(models, "asr-ctc"), device, settings.Count, settings.Seed, progress, cancellationToken);
        AnsiConsole.WriteLine(Invariant($"songs: {report.Rows.Count} (seeds {settings.Seed}..{settings.Seed + (ulong)report.Rows.Count - 1}), {report.Rows.Sum(r => r.Seconds) / 60:F1} minutes"));
        AnsiConsole.WriteLine(Invariant($"stem leakage (true stems): {report.MeanLeakage:F4}"));
        AnsiConsole.WriteLine(Invariant($"corpus lyric cer: {report.LyricCer:F4}"));
        AnsiConsole.WriteLine(Invariant($"tempo estimator accuracy: {report.TempoAccuracy:F2}"));
        AnsiConsole.WriteLine(Invariant($"key estimator accuracy: {report.KeyAccuracy:F2}"));
        return 0;
    }

    // Prints each song's figures as it is measured (on the measuring thread, so in order).
    sealed class PrintedRows : IProgress<SongCorpusRow>
    {
        public void Report(SongCorpusRow row)
        {
            AnsiConsole.WriteLine(Invariant($"seed {row.Seed}: {row.Seconds:F1} s, tempo {row.Tempo:F1} -> {row.EstimatedTempo:F1}, key {row.Key} -> {row.EstimatedKey}, cer {row.Cer:F3}, leakage {row.Leakage.LeakedFraction:F3}"));
            AnsiConsole.WriteLine($"  lyrics: {row.Lyrics}");
            AnsiConsole.WriteLine($"  heard:  {row.Transcript}");
        }
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
