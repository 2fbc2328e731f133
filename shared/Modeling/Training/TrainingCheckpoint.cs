using System.Globalization;
using Media.Modeling.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Training;

/// <summary>The counters a resumable checkpoint carries besides tensors.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="MicroBatches">Micro-batches per step; the data position is <c>Step * MicroBatches</c>.</param>
/// <param name="ElapsedSeconds">Training time so far.</param>
/// <param name="EmaUpdates">EMA updates applied (0 without EMA).</param>
public sealed record TrainingState(long Step, long Seed, int MicroBatches, double ElapsedSeconds, long EmaUpdates)
{
    /// <summary>Micro-batches consumed so far.</summary>
    public long DataPosition => Step * MicroBatches;
}

/// <summary>
/// A resumable training checkpoint in one safetensors file: <c>model.*</c> (weights), <c>ema.*</c>
/// (averages), <c>optimizer</c> (TorchSharp's own AdamW state serialisation: moments and step counts,
/// as bytes), <c>rng.torch</c> (the CPU generator state), and the counters as metadata. Written
/// atomically, so the newest file in the folder is always complete.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The <c>format</c> metadata value.</summary>
    public const string Format = "media-training-checkpoint/1";

    const string ModelPrefix = "model.", EmaPrefix = "ema.", OptimizerKey = "optimizer", RngKey = "rng.torch";

    /// <summary>Where a run keeps its checkpoints.</summary>
    public static string DirectoryOf(string runDirectory) => Path.Combine(runDirectory, "checkpoints");

    /// <summary>The file of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string PathFor(string runDirectory, long step) =>
        Path.Combine(DirectoryOf(runDirectory), string.Create(CultureInfo.InvariantCulture, $"step-{step:D8}.safetensors"));

    /// <summary>All checkpoints of a run, oldest first.</summary>
    public static IReadOnlyList<(long Step, string Path)> List(string runDirectory)
    {
        string directory = DirectoryOf(runDirectory);
        if (!Directory.Exists(directory)) return [];
        var found = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, "step-*.safetensors"))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out long step)) found.Add((step, path));
        }
        return found.OrderBy(f => f.Item1).ToList();
    }

    /// <summary>Writes a checkpoint.</summary>
    public static void Save(string path, nn.Module model, OptimizerHelper optimizer, ExponentialMovingAverage? ema, TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        tensors.AddRange(model.state_dict().Select(kv => KeyValuePair.Create(ModelPrefix + kv.Key, kv.Value)));
        if (ema is not null) tensors.AddRange(ema.State.Select(kv => KeyValuePair.Create(EmaPrefix + kv.Key, kv.Value)));
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
            tensors.Add(KeyValuePair.Create(OptimizerKey, tensor(buffer.ToArray())));
        }
        tensors.Add(KeyValuePair.Create(RngKey, random.get_rng_state()));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = state.Seed.ToString(CultureInfo.InvariantCulture),
            ["micro_batches"] = state.MicroBatches.ToString(CultureInfo.InvariantCulture),
            ["data_position"] = state.DataPosition.ToString(CultureInfo.InvariantCulture),
            ["elapsed_seconds"] = state.ElapsedSeconds.ToString("R", CultureInfo.InvariantCulture),
            ["ema_updates"] = state.EmaUpdates.ToString(CultureInfo.InvariantCulture),
        };
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>Restores model, EMA, optimizer and RNG from a checkpoint and returns its counters.</summary>
    public static TrainingState Load(string path, nn.Module model, OptimizerHelper optimizer, ExponentialMovingAverage? ema)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path} is not a training checkpoint of format {Format}.");
        var state = new TrainingState(
            Long(file, "step"), Long(file, "seed"), (int)Long(file, "micro_batches"),
            double.Parse(Meta(file, "elapsed_seconds"), NumberStyles.Float, CultureInfo.InvariantCulture), Long(file, "ema_updates"));

        using var scope = NewDisposeScope();
        var all = file.ReadAll();
        var weights = Prefixed(all, ModelPrefix);
        StateDictLoader.Load(model, weights);
        if (ema is not null)
        {
            var averages = Prefixed(all, EmaPrefix);
            if (averages.Count == 0) throw new InvalidDataException($"{path} holds no EMA weights but this run keeps an EMA.");
            ema.Load(averages, state.EmaUpdates);
        }
        using (var reader = new BinaryReader(new MemoryStream(all[OptimizerKey].bytes.ToArray())))
            optimizer.load_state_dict(reader);
        random.set_rng_state(all[RngKey]);
        return state;
    }

    /// <summary>
    /// Loads only the model weights of checkpoint <paramref name="path"/> into <paramref name="model"/>, strictly (for
    /// evaluating a run as it trains): the entries under <c>model.</c>, or under <c>model.{module}</c> for a sub-module such
    /// as an adversarial pair's generator. Optimizer, EMA and RNG state are left alone.
    /// </summary>
    public static void LoadWeights(string path, nn.Module model, string module = "")
    {
        ArgumentNullException.ThrowIfNull(model);
        string prefix = ModelPrefix + module;
        var options = new CheckpointLoadOptions
        {
            Keys = [.. model.state_dict().Keys.Select(k => prefix + k)],
            Renames = new KeyRenameTable().Add("^" + System.Text.RegularExpressions.Regex.Escape(prefix), ""),
        };
        Checkpoint.LoadInto(model, path, options, strict: true);
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void Prune(string runDirectory, int keep)
    {
        var all = List(runDirectory);
        foreach (var (_, path) in all.Take(Math.Max(0, all.Count - keep))) File.Delete(path);
    }

    static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> all, string prefix) =>
        all.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
           .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    static string Meta(SafetensorsFile file, string key) =>
        file.Metadata.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"{file.Path} lacks metadata '{key}'.");

    static long Long(SafetensorsFile file, string key) =>
        long.TryParse(Meta(file, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidDataException($"{file.Path}: metadata '{key}' is not an integer.");
}
