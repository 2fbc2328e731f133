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
/// Every model the registered services know, with its honest state. Embedded and worker roles: from this process — a slot
/// without a checkpoint on disk is missing, one whose generator is not part of the build cannot run, and the generators
/// report loading, loaded and failed. Gateway role: from the workers' announcements (<see cref="Observe"/>), the best
/// state any worker announced; a model no worker announces is missing.
/// </summary>
public sealed class ModelCatalog(IEnumerable<ModelSlot> slots, IOptions<MediaOptions> options, IEnumerable<ModelLimits>? limits = null,
    IEnumerable<Workers.GeneratorRegistration>? generators = null)
{
    readonly ModelLimits[] limits = [.. limits ?? []];
    readonly HashSet<string> generators = [.. (generators ?? []).Select(g => g.ModelId)];
    readonly bool announced = options.Value.Role == MediaRole.Gateway;
    volatile Dictionary<string, ModelAnnouncement> snapshot = new Dictionary<string, ModelAnnouncement>(StringComparer.Ordinal);

    /// <summary>Files a checkpoint folder must hold (see models/README in the repository).</summary>
    public static readonly string[] CheckpointFiles = ["config.json", "model.safetensors"];

    readonly IReadOnlyList<ModelSlot> slots = ValidateUnique(slots.ToList());
    readonly ConcurrentDictionary<string, (ModelState State, string? Reason)> runtime = new(StringComparer.Ordinal);

    public string ModelsDirectory { get; } = options.Value.ResolveModelsDirectory();

    /// <summary>Whether states come from the workers' announcements (the gateway role) rather than this process.</summary>
    public bool FromAnnouncements => announced;

    public IReadOnlyList<ModelStatus> List() => slots.Select(Status).ToList();

    public ModelStatus? Find(string id) => slots.FirstOrDefault(s => s.Id == id) is { } slot ? Status(slot) : null;

    /// <summary>Whether a job for the model is accepted now: it is ready (or loading) and something here or a worker runs it.</summary>
    public bool CanServe(ModelStatus model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.State is ModelState.Available or ModelState.Loaded or ModelState.Loading
            && (announced ? snapshot.ContainsKey(model.Id) : generators.Contains(model.Id));
    }

    /// <summary>Whether this process has the generator of the model (embedded and worker roles).</summary>
    public bool RunsHere(string id) => !announced && generators.Contains(id);

    /// <summary>Records a state a worker reached (loading, loaded, or failed with a reason).</summary>
    public void Report(string id, ModelState state, string? reason = null)
    {
        if (slots.All(s => s.Id != id)) throw new ArgumentException($"Unknown model '{id}'.", nameof(id));
        runtime[id] = (state, reason);
    }

    /// <summary>Gateway role: the workers' current announcements (the best state per model wins).</summary>
    public void Observe(IEnumerable<ModelAnnouncement> announcements)
    {
        ArgumentNullException.ThrowIfNull(announcements);
        snapshot = announcements.GroupBy(a => a.ModelId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(a => Rank(a.State)).ThenByDescending(a => a.At).First(), StringComparer.Ordinal);
    }

    /// <summary>Worker role: what this process says about the models it has generators for.</summary>
    public IReadOnlyList<ModelAnnouncement> Announcements(string worker, DateTimeOffset at) =>
        [.. List().Where(m => generators.Contains(m.Id)).Select(m => new ModelAnnouncement(m.Id, worker, m.State, m.Reason, at, m.Limits))];

    static int Rank(ModelState state) => state switch
    {
        ModelState.Loaded => 4,
        ModelState.Available => 3,
        ModelState.Loading => 2,
        ModelState.Failed => 1,
        _ => 0,
    };

    ModelStatus Status(ModelSlot slot)
    {
        string folder = Path.Combine(ModelsDirectory, slot.CheckpointFolder);
        ModelState state;
        string? reason;
        JsonObject? announcedLimits = null;
        if (announced)
        {
            if (snapshot.TryGetValue(slot.Id, out var a)) (state, reason, announcedLimits) = (a.State, a.Reason, a.Limits);
            else (state, reason) = (ModelState.Missing, $"no {slot.Family} worker serving this model is running");
        }
        else
        {
            var missing = CheckpointFiles.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
            (state, reason) = missing.Count > 0
                ? (ModelState.Missing, $"no trained checkpoint: {string.Join(", ", missing)} not found in the models folder's {slot.CheckpointFolder}/")
                : runtime.TryGetValue(slot.Id, out var reported) ? reported : (ModelState.Available, null);
        }
        var status = new ModelStatus(slot.Id, slot.Family, slot.Kinds, slot.Description, state, reason, folder) { CheckpointFolder = slot.CheckpointFolder };
        if (state == ModelState.Missing) return status;
        // Limits merge over every declaration for the model; a declaration that cannot read its checkpoint states none.
        // A gateway without the checkpoint shows what the worker read from its own.
        JsonObject? merged = null;
        foreach (var declared in limits.Where(l => l.ModelId == slot.Id))
            if (declared.Describe(status) is { } described)
                foreach (var (key, value) in described) (merged ??= [])[key] = value?.DeepClone();
        return status with { Limits = merged ?? (JsonObject?)announcedLimits?.DeepClone() };
    }
    static List<ModelSlot> ValidateUnique(List<ModelSlot> slots)
    {
        var duplicate = slots.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Model id '{duplicate.Key}' is registered twice.");
        return slots;
    }
}
