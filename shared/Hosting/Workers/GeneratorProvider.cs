using System.Collections.Concurrent;
using Media.Hosting.Models;

namespace Media.Hosting.Workers;

/// <summary>
/// Creates each model's generator on first use and keeps it; reports the model's state (loaded, or
/// failed with the reason) to the catalog. A failed load is tried again by the next job.
/// </summary>
public sealed class GeneratorProvider(IEnumerable<GeneratorRegistration> registrations, ModelCatalog catalog, IServiceProvider services) : IAsyncDisposable
{
    readonly Dictionary<string, GeneratorRegistration> registrations = Index(registrations);
    readonly ConcurrentDictionary<string, Lazy<Task<IGenerator>>> loaded = new(StringComparer.Ordinal);

    public bool IsRegistered(string modelId) => registrations.ContainsKey(modelId);

    public async Task<IGenerator> GetAsync(string modelId, CancellationToken cancellationToken)
    {
        if (!registrations.TryGetValue(modelId, out var registration))
            throw new InvalidOperationException($"No generator is registered for model '{modelId}'.");
        var lazy = loaded.GetOrAdd(modelId, _ => new Lazy<Task<IGenerator>>(() => LoadAsync(registration, cancellationToken)));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            loaded.TryRemove(new KeyValuePair<string, Lazy<Task<IGenerator>>>(modelId, lazy));
            throw;
        }
    }

    async Task<IGenerator> LoadAsync(GeneratorRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            catalog.Report(registration.ModelId, ModelState.Loading);
            var generator = await registration.Factory(services, cancellationToken).ConfigureAwait(false);
            catalog.Report(registration.ModelId, ModelState.Loaded);
            return generator;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            catalog.Report(registration.ModelId, ModelState.Failed, $"loading failed: {ex.Message}");
            throw;
        }
        catch (OperationCanceledException)
        {
            catalog.Report(registration.ModelId, ModelState.Available);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in loaded.Values.Where(l => l.IsValueCreated))
        {
            IGenerator generator;
            try { generator = await lazy.Value.ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { continue; } // never loaded: nothing to free
            if (generator is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            else if (generator is IDisposable disposable) disposable.Dispose();
        }
    }

    static Dictionary<string, GeneratorRegistration> Index(IEnumerable<GeneratorRegistration> registrations)
    {
        var index = new Dictionary<string, GeneratorRegistration>(StringComparer.Ordinal);
        foreach (var r in registrations)
        {
            if (!index.TryAdd(r.ModelId, r)) throw new InvalidOperationException($"Model '{r.ModelId}' has two generators registered.");
        }
        return index;
    }
}
