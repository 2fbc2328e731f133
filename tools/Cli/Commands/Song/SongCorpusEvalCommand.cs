using System.ComponentModel;
using System.Globalization;
using Media.Audio.Corpora;
using Media.Audio.IO;
using Media.Cli.Commands.Settings;
using Media.Hosting;
using Media.Services.Audio.Evaluation;
using Media.Tokenizers.Audio.Codec;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media eval song-corpus --n 50</c>: the sung-lyrics corpus's own figures, the ceilings of every song model: the
/// recognizer's CER on the vocal stems, and the accuracy of the tempo (within 4 %) and key estimators on the mixes.
/// </summary>
internal sealed class SongCorpusEvalCommand : Command<SongCorpusEvalCommand.Settings>
{
    internal sealed class Settings : HeldOutSongSettings
    {
        [CommandOption("-n|--count")]
        [Description("Songs to generate and measure")]
        [DefaultValue(50)]
        public int Count { get; init; } = 50;

        [CommandOption("--codec-codebooks")]
        [Description("Also hear each vocal stem and mix after models/media-codec at these codebook counts (e.g. 4,8): the lyric and key ceilings of a song model on those tokens")]
        public string? CodecCodebooks { get; init; }

        [CommandOption("--verbose")]
        [Description("Print every song's figures and transcript")]
        public bool Verbose { get; init; }

        public override ValidationResult Validate()
        {
            if (Count < 1) return ValidationResult.Error("-n must be at least 1.");
            if (CodecCodebooks is { } list && !list.Split(',').All(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0))
                return ValidationResult.Error("--codec-codebooks takes positive counts separated by commas, e.g. 4,8.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        string models = settings.ModelsFolder;
        var generator = new LyricSongGenerator(16000);
        var progress = settings.Verbose ? new PrintedRows() : null;
        int[] codebooks = settings.CodecCodebooks is { } list ? [.. list.Split(',').Select(k => int.Parse(k, CultureInfo.InvariantCulture))] : [];
        using var codec = codebooks.Length > 0 ? NeuralAudioCodec.Load(Path.Combine(models, "media-codec"), device) : null;
        if (codec is not null && codebooks.Max() > codec.Model.Config.NumQuantizers)
            throw new ArgumentException($"models/media-codec has {codec.Model.Config.NumQuantizers} codebooks; --codec-codebooks asks for {codebooks.Max()}.");
        var variants = codebooks.Select(k => new SongCorpusVariant(CodecVariant(k), (samples, rate) =>
            codec!.Reconstruct(AudioBuffer.FromMono(samples, rate), k).Channels[0])).ToList();
        var report = SongCorpusEvaluation.Run(generator, Path.Combine(models, "asr-ctc"), device, settings.Count, settings.Seed, progress, variants, cancellationToken);
        AnsiConsole.WriteLine(Invariant($"songs: {report.Rows.Count} (seeds {settings.Seed}..{settings.Seed + (ulong)report.Rows.Count - 1}), {report.Rows.Sum(r => r.Seconds) / 60:F1} minutes"));
        AnsiConsole.WriteLine(Invariant($"stem leakage (true stems): {report.MeanLeakage:F4}"));
        AnsiConsole.WriteLine(Invariant($"corpus lyric cer: {report.LyricCer:F4}"));
        AnsiConsole.WriteLine(Invariant($"tempo estimator accuracy: {report.TempoAccuracy:F2}"));
        AnsiConsole.WriteLine(Invariant($"key estimator accuracy: {report.KeyAccuracy:F2}"));
        foreach (int k in codebooks)
            AnsiConsole.WriteLine(Invariant($"vocal cer through media-codec at {k} codebooks ({k * codec!.Model.Config.KbpsPerCodebook:0.#} kbps): {report.VariantCer(CodecVariant(k)):F4}"));
        foreach (int k in codebooks)
            AnsiConsole.WriteLine(Invariant($"mix key accuracy through media-codec at {k} codebooks: {report.VariantKeyAccuracy(CodecVariant(k)):F2}"));
        return 0;
    }

    static string CodecVariant(int codebooks) => $"codec-{codebooks}";

    // Prints each song's figures as it is measured (on the measuring thread, so in order).
    sealed class PrintedRows : IProgress<SongCorpusRow>
    {
        public void Report(SongCorpusRow row)
        {
            AnsiConsole.WriteLine(Invariant($"seed {row.Seed}: {row.Seconds:F1} s, tempo {row.Tempo:F1} -> {row.EstimatedTempo:F1}, key {row.Key} -> {row.EstimatedKey}{string.Concat(row.VariantEstimatedKeys.Select(v => $" ({v.Key}: {v.Value})"))}, cer {row.Cer:F3}, leakage {row.Leakage.LeakedFraction:F3}"));
            AnsiConsole.WriteLine($"  lyrics: {row.Lyrics}");
            AnsiConsole.WriteLine($"  heard:  {row.Transcript}");
        }
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
