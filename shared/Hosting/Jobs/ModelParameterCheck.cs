using System.Text.Json;
using Media.Hosting.Models;

namespace Media.Hosting.Jobs;

/// <summary>
/// A model's own limits on a job's parameters, beyond its kind's schema (the longest speech its checkpoint makes, the
/// block sizes it was trained with). Runs at submission once the schema passed and the model has a checkpoint, so it
/// reads what the checkpoint folder states, not the loaded model; <see cref="Check"/> returns errors keyed
/// "parameters.name", none when the parameters fit.
/// </summary>
public sealed record ModelParameterCheck(string ModelId, Func<ModelStatus, JsonElement, IReadOnlyDictionary<string, string[]>> Check);
