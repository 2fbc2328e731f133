using System.Globalization;
using System.Text.RegularExpressions;
using Media.Tokenizers.Audio.Encodec;

namespace Media.Cli.Tests.Codec;

[Slow("renders a small espeak-ng corpus and runs the codec evaluation in a CLI process")]
public sealed class CodecEvalCommandTests : IDisposable
{
    // A tiny 16 kHz codec that serves 6 kbps (codebooks of 16: 0.2 kbps each), saved as our own folder.
    static readonly EncodecConfig Tiny = new() { SamplingRate = 16_000, NumFilters = 4, HiddenSize = 8, CodebookSize = 16, TargetBandwidths = [1.2, 6.0] };

    readonly string folder = Directory.CreateTempSubdirectory("media-codec-eval-").FullName;

    [EspeakFact]
    public async Task The_headline_lines_repeat_our_6_kbps_speech_row_of_the_table()
    {
        string model = TinyCodecFolder.Save(folder, Tiny, seed: 5);

        // The report file's notes around the generated section are kept; the section is rewritten.
        string report = Path.Combine(folder, "CODEC.md");
        File.WriteAllText(report, "# Notes before the report\n<!-- media eval codec: from here to its end marker, each run rewrites this report; the rest of the file is kept -->\nold table\n"
            + "<!-- media eval codec: end -->\n\nNotes written by hand.\n");
        var (code, output) = await CliProcess.RunAsync("eval", "codec", "-n", "1", "--utterances", "60", "--corpus", Path.Combine(folder, "corpus"),
            "--checkpoint", model, "--out", report);

        Assert.True(code == 0, output);
        var row = Regex.Match(output, @"\| ours 6 kbps \| speech \(1\) \| (?<snr>-?[\d.]+) \| [\d.]+ \| (?<stoi>[\d.]+) \|");
        Assert.True(row.Success, output);
        // The autoencoder without its quantizer, the ceiling of every bandwidth's row.
        Assert.Matches(@"\| ours, no quantizer \| speech \(1\) \|", output);
        // The speech energy kept per band: mu-law at 16 kHz keeps every band; at 8 kHz nothing above 4 kHz survives.
        var wide = Regex.Match(output, @"(?m)^\| mu-law 16 kHz \|(?: (?<k>[\d.]+) \|){6}$");
        var narrow = Regex.Match(output, @"(?m)^\| mu-law 8 kHz \|(?: (?<k>[\d.]+) \|){6}$");
        Assert.True(wide.Success && narrow.Success, output);
        Assert.All(wide.Groups["k"].Captures.Take(5), k => Assert.InRange(double.Parse(k.Value, CultureInfo.InvariantCulture), 0.95, 1.05));
        Assert.InRange(double.Parse(narrow.Groups["k"].Captures[5].Value, CultureInfo.InvariantCulture), 0, 0.05);
        string written = File.ReadAllText(report);
        Assert.Contains(row.Value, written, StringComparison.Ordinal);
        Assert.DoesNotContain("old table", written, StringComparison.Ordinal);
        Assert.StartsWith("# Notes before the report\n<!-- media eval codec: from here", written, StringComparison.Ordinal);
        Assert.EndsWith("<!-- media eval codec: end -->\n\nNotes written by hand.\n", written, StringComparison.Ordinal);
        double stoi = double.Parse(Regex.Match(output, @"^speech stoi at 6 kbps: (?<v>[\d.]+)$", RegexOptions.Multiline).Groups["v"].Value, CultureInfo.InvariantCulture);
        double snr = double.Parse(Regex.Match(output, @"^speech si-snr at 6 kbps: (?<v>-?[\d.]+)$", RegexOptions.Multiline).Groups["v"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(double.Parse(row.Groups["stoi"].Value, CultureInfo.InvariantCulture), stoi, 3);
        Assert.Equal(double.Parse(row.Groups["snr"].Value, CultureInfo.InvariantCulture), snr, 2);
    }

    [EspeakFact]
    public async Task A_recognizer_adds_its_cer_on_each_systems_speech_beside_the_originals()
    {
        var (code, output) = await CliProcess.RunAsync("eval", "codec", "-n", "2", "--utterances", "60", "--corpus", Path.Combine(folder, "corpus"),
            "--checkpoint", Path.Combine(folder, "no-codec"), "--recognizer", Media.Tests.Support.CommittedModels.Path("asr-ctc"), "--out", "");

        Assert.True(code == 0, output);
        double original = double.Parse(Regex.Match(output, @"on the original clips (?<v>[\d.]+)\.").Groups["v"].Value, CultureInfo.InvariantCulture);
        var transparent = Regex.Match(output, @"\| mu-law 16 kHz \| speech \(2\) \|(?: -?[\d.]+ \|){4} (?<cer>[\d.]+) \|");
        Assert.True(transparent.Success, output);
        // 128 kbps mu-law is heard almost as the originals are; music rows have no CER.
        Assert.InRange(double.Parse(transparent.Groups["cer"].Value, CultureInfo.InvariantCulture), 0, original + 0.15);
        Assert.Matches(@"\| mu-law 16 kHz \| music \(2\) \|(?: -?[\d.]+ \|){4} - \|", output);
    }

    [Fact]
    public async Task A_report_file_without_the_markers_is_refused_before_anything_runs()
    {
        string notes = Path.Combine(folder, "notes.md");
        File.WriteAllText(notes, "Hand-written notes that a report must not replace.\n");
        var (code, output) = await CliProcess.RunAsync("eval", "codec", "--out", notes);
        Assert.NotEqual(0, code);
        Assert.Contains("without the report's markers", output, StringComparison.Ordinal);
        Assert.Equal("Hand-written notes that a report must not replace.\n", File.ReadAllText(notes));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
