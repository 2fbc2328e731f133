using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Hosting.Models;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Media.Hosting.Redis;

/// <summary>
/// The workers' model announcements in one Redis hash (<c>media:models</c>), a field per worker and model. Readers skip
/// announcements older than the window and delete those long expired (a worker killed without withdrawing).
/// </summary>
public sealed class RedisModelAnnouncements(IConnectionMultiplexer redis, IOptions<ScaleOutOptions> options) : IModelAnnouncements
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    readonly RedisKey key = $"{options.Value.KeyPrefix}:models";

    public async ValueTask AnnounceAsync(IReadOnlyList<ModelAnnouncement> announcements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announcements);
        if (announcements.Count == 0) return;
        await redis.GetDatabase().HashSetAsync(key,
            [.. announcements.Select(a => new HashEntry(Field(a.Worker, a.ModelId), JsonSerializer.Serialize(a, Json)))]).ConfigureAwait(false);
    }

    public async ValueTask WithdrawAsync(string worker, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var fields = (await db.HashKeysAsync(key).ConfigureAwait(false)).Where(f => ((string)f!).StartsWith(worker + "\n", StringComparison.Ordinal)).ToArray();
        if (fields.Length > 0) await db.HashDeleteAsync(key, fields).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ModelAnnouncement>> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var live = new List<ModelAnnouncement>();
        var stale = new List<RedisValue>();
        foreach (var entry in await db.HashGetAllAsync(key).ConfigureAwait(false))
        {
            var a = JsonSerializer.Deserialize<ModelAnnouncement>((string)entry.Value!, Json)!;
            if (a.At > since) live.Add(a);
            else if (a.At < since - TimeSpan.FromMinutes(10)) stale.Add(entry.Name);
        }
        if (stale.Count > 0) await db.HashDeleteAsync(key, [.. stale]).ConfigureAwait(false);
        return live;
    }

    static string Field(string worker, string model) => worker + "\n" + model;
}
