using System.Globalization;
using System.Text.Json;

namespace Media.Modeling.Training;

/// <summary>
/// The run's JSONL log: one line per logged step (<c>step, loss, lr, grad_norm, &lt;unit&gt;_per_s, elapsed_s</c>)
/// and one per evaluation (<c>step, eval: {...}</c>). On resume, lines after the checkpoint's step are
/// dropped, so the log reads as one uninterrupted run.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    /// <summary>The log's file name in a run folder.</summary>
    public const string FileName = "train.jsonl";

    readonly StreamWriter writer;
    readonly string rateKey;

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> for appending after dropping lines whose step exceeds <paramref name="keepThroughStep"/>.</summary>
    public TrainingLog(string path, string throughputUnit, long keepThroughStep)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        rateKey = throughputUnit + "_per_s";
        if (File.Exists(path))
        {
            var kept = File.ReadLines(path).Where(line => StepOf(line) is { } step && step <= keepThroughStep).ToList();
            File.WriteAllLines(path, kept);
        }
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    /// <summary>Appends a step line.</summary>
    public void Write(StepRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        WriteLine(json =>
        {
            json.WriteNumber("step", record.Step);
            Number(json, "loss", record.Loss);
            Number(json, "lr", record.LearningRate);
            Number(json, "grad_norm", record.GradNorm);
            Number(json, rateKey, record.ItemsPerSecond);
            Number(json, "elapsed_s", record.ElapsedSeconds);
        });
    }

    /// <summary>Appends an evaluation line.</summary>
    public void WriteEval(long step, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        WriteLine(json =>
        {
            json.WriteNumber("step", step);
            json.WriteStartObject("eval");
            foreach (var (name, value) in metrics) Number(json, name, value);
            json.WriteEndObject();
        });
    }

    void WriteLine(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        writer.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    // JSON has no NaN or infinity: write them as strings rather than break the line.
    static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The evaluation lines of the log at <paramref name="path"/> (none when there is no log yet), in order.</summary>
    public static IReadOnlyList<(long Step, IReadOnlyDictionary<string, double> Metrics)> ReadEvals(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) return [];
        var evals = new List<(long, IReadOnlyDictionary<string, double>)>();
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (!root.TryGetProperty("step", out var step) || !root.TryGetProperty("eval", out var metrics)) continue;
                evals.Add((step.GetInt64(), metrics.EnumerateObject().Where(m => m.Value.ValueKind == JsonValueKind.Number)
                    .ToDictionary(m => m.Name, m => m.Value.GetDouble())));
            }
            catch (JsonException)
            {
                // a line cut short by a crash
            }
        }
        return evals;
    }

    static long? StepOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("step", out var step) && step.TryGetInt64(out long value) ? value : null;
        }
        catch (JsonException)
        {
            return null; // a line cut short by a crash
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => writer.Dispose();
}
