using System.Text.Json;
using System.Text.Json.Nodes;

namespace Media.Hosting.Models;

/// <summary>
/// What one model can do, declared by its service: <see cref="Describe"/> states the limits for people and clients (shown
/// as <c>limits</c> in <c>/api/models</c>: the image sizes it draws, the prompt tokens it reads, ...), <see cref="Check"/>
/// refuses a job's parameters (already valid for the kind) that exceed them, with errors keyed "parameters.name" that
/// name the model's limit. Both read what the checkpoint folder states, not the loaded model, so they answer before the
/// model is loaded; they run only when the model has a checkpoint.
/// </summary>
public sealed record ModelLimits(string ModelId, Func<ModelStatus, JsonObject?> Describe,
    Func<ModelStatus, JsonElement, IReadOnlyDictionary<string, string[]>> Check);
