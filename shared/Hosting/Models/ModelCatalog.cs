using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Media.Hosting.Models;

/// <summary>
/// The state of one model slot as reported to clients. <paramref name="Checkpoint"/> is the checkpoint folder's path on
/// this server, for the services' own use and never sent: clients see <see cref="CheckpointFolder"/>, relative to the
/// models folder, and the model's declared <see cref="Limits"/>.
/// </summary>
public sealed record ModelStatus(string Id, string Family, IReadOnlyList<string> Kinds, string Description, ModelState State, string? Reason,
    [property: JsonIgnore] string Checkpoint)
{
    /// <summary>The checkpoint folder under the models folder.</summary>
    [JsonPropertyName("checkpoint")]
    public string CheckpointFolder { get; init; } = Path.GetFileName(Checkpoint.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));

    /// <summary>What the model can do (image sizes, prompt tokens, text per sentence, ...), when its checkpoint states it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? Limits { get; init; }
}

/// <summary>
/// Every model the registered services know, with its honest state: a slot without a checkpoint on
/// disk is reported as missing, never served.
/// </summary>
public sealed class ModelCatalog(IEnumerable<ModelSlot> slots, IOptions<MediaOptions> options, IEnumerable<ModelLimits>? limits = null)
{
    readonly ModelLimits[] _limits = [.. limits ?? []];

    /// <summary>Files a checkpoint folder must hold (see models/README in the repository).</summary>
    public static readonly string[] CheckpointFiles = ["config.json", "model.safetensors"];

    readonly IReadOnlyList<ModelSlot> _slots = ValidateUnique(slots.ToList());
    readonly ConcurrentDictionary<string, (ModelState State, string? Reason)> _runtime = new(StringComparer.Ordinal);

    public string ModelsDirectory { get; } = options.Value.ResolveModelsDirectory();

    public IReadOnlyList<ModelStatus> List() => _slots.Select(Status).ToList();

    public ModelStatus? Find(string id) => _slots.FirstOrDefault(s => s.Id == id) is { } slot ? Status(slot) : null;

    /// <summary>Records a state a worker reached (loaded, or failed with a reason).</summary>
    public void Report(string id, ModelState state, string? reason = null)
    {
        if (_slots.All(s => s.Id != id)) throw new ArgumentException($"Unknown model '{id}'.", nameof(id));
        _runtime[id] = (state, reason);
    }

    ModelStatus Status(ModelSlot slot)
    {
        string folder = Path.Combine(ModelsDirectory, slot.CheckpointFolder);
        var missing = CheckpointFiles.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        (ModelState state, string? reason) = missing.Count > 0
            ? (ModelState.Missing, $"no trained checkpoint: {string.Join(", ", missing)} not found in the models folder's {slot.CheckpointFolder}/")
            : _runtime.TryGetValue(slot.Id, out var reported) ? reported : (ModelState.Available, null);
        var status = new ModelStatus(slot.Id, slot.Family, slot.Kinds, slot.Description, state, reason, folder) { CheckpointFolder = slot.CheckpointFolder };
        if (state == ModelState.Missing) return status;
        // Limits merge over every declaration for the model; a declaration that cannot read its checkpoint states none.
        JsonObject? merged = null;
        foreach (var declared in _limits.Where(l => l.ModelId == slot.Id))
            if (declared.Describe(status) is { } described)
                foreach (var (key, value) in described) (merged ??= [])[key] = value?.DeepClone();
        return status with { Limits = merged };
    }

    static List<ModelSlot> ValidateUnique(List<ModelSlot> slots)
    {
        var duplicate = slots.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Model id '{duplicate.Key}' is registered twice.");
        return slots;
    }
}
