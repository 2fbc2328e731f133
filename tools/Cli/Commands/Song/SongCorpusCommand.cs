using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Media.Audio.Corpora;
using Media.Audio.IO;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Song;

/// <summary>
/// <c>media corpus song --n N --out DIR</c>: renders songs of the sung-lyrics corpus to look at and listen to: per song
/// <c>NNNN/</c> with <c>mix.wav</c>, <c>vocals.wav</c>, <c>accompaniment.wav</c>, <c>lyrics.txt</c> (tagged),
/// <c>description.txt</c> and <c>song.json</c> (tempo, key, voice, line and note timings); <c>manifest.tsv</c> lists them.
/// Training reads the generator directly: these files are never needed, nor committed.
/// </summary>
internal sealed class SongCorpusCommand : Command<SongCorpusCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("-n|--count")]
        [Description("Songs to render")]
        [DefaultValue(4)]
        public int Count { get; init; } = 4;

        [CommandOption("--out")]
        [Description("Folder to write them to")]
        [DefaultValue("data/song-corpus")]
        public string Out { get; init; } = "data/song-corpus";

        [CommandOption("--seed")]
        [Description("Seed of the first song (song i has seed + i)")]
        [DefaultValue(1UL)]
        public ulong Seed { get; init; } = 1;

        [CommandOption("--rate")]
        [Description("Sample rate in Hz")]
        [DefaultValue(16000)]
        public int Rate { get; init; } = 16000;

        public override ValidationResult Validate() =>
            Count < 1 ? ValidationResult.Error("-n must be at least 1.")
            : Rate < 8000 ? ValidationResult.Error("--rate must be at least 8000.") : ValidationResult.Success();
    }

    // Relaxed escaping: voice names such as "en-us+f3" stay readable.
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var generator = new LyricSongGenerator(settings.Rate);
        Directory.CreateDirectory(settings.Out);
        var manifest = new StringBuilder("id\tseed\tseconds\ttempo\tkey\tvoice\tdescription\tlyrics\n");
        for (int i = 0; i < settings.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong seed = settings.Seed + (ulong)i;
            var song = generator.Generate(seed);
            string id = i.ToString("D4", CultureInfo.InvariantCulture);
            string folder = Path.Combine(settings.Out, id);
            Directory.CreateDirectory(folder);
            WavFile.Write(Path.Combine(folder, "mix.wav"), AudioBuffer.FromMono(song.Mix, song.SampleRate));
            WavFile.Write(Path.Combine(folder, "vocals.wav"), AudioBuffer.FromMono(song.Vocals, song.SampleRate));
            WavFile.Write(Path.Combine(folder, "accompaniment.wav"), AudioBuffer.FromMono(song.Accompaniment, song.SampleRate));
            File.WriteAllText(Path.Combine(folder, "lyrics.txt"), song.Lyrics.Text + "\n");
            File.WriteAllText(Path.Combine(folder, "description.txt"), song.Style.Text + "\n");
            File.WriteAllText(Path.Combine(folder, "song.json"), JsonSerializer.Serialize(new
            {
                seed, song.SampleRate, seconds = song.DurationSeconds, song.Music.Tempo, song.Music.Key, song.Music.Chords, song.Music.Instruments,
                drums = song.Music.HasDrums, voice = song.Voice, description = song.Style.Text, lyrics = song.Lyrics.Text, meter = song.Lyrics.Meter,
                lines = song.Lines, notes = song.Notes,
            }, Json));
            manifest.Append(CultureInfo.InvariantCulture,
                $"{id}\t{seed}\t{song.DurationSeconds:F2}\t{song.Music.Tempo}\t{song.Music.Key}\t{song.Voice.Name}\t{song.Style.Text}\t{song.Lyrics.Text.Replace("\n", " / ", StringComparison.Ordinal)}\n");
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{id}: {song.DurationSeconds:F1} s, {song.Style.Text}"));
        }
        File.WriteAllText(Path.Combine(settings.Out, "manifest.tsv"), manifest.ToString());
        AnsiConsole.WriteLine($"wrote {settings.Count} songs to {settings.Out}");
        return 0;
    }
}
