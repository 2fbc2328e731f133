using System.Text.Json;
using Media.Hosting.Events;
using Media.Hosting.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Media.Hosting.Redis;

/// <summary>
/// Job events through Redis, so a client follows a job from any gateway whichever worker runs it. Each persisted event is
/// added to the job's stream (<c>media:events:{job}</c>) with the entry id <c>sequence-0</c>, trimmed to about
/// <c>Media:ScaleOut:EventStreamLength</c> entries and expired a day after the job ends, and published on the job's
/// channel. A reader replays the stream from the sequence it names (XRANGE), falling back to the job store for what was
/// trimmed, then follows the channel (<see cref="JobEventFollowers"/>: no gap, no duplicate).
/// </summary>
public sealed class RedisJobEventStream : IJobEventStream
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    readonly IConnectionMultiplexer redis;
    readonly IJobStore store;
    readonly string prefix;
    readonly int length;
    readonly ILogger<RedisJobEventStream> logger;
    readonly JobEventFollowers followers;

    public RedisJobEventStream(IConnectionMultiplexer redis, IJobStore store, IOptions<ScaleOutOptions> options, ILogger<RedisJobEventStream> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.redis = redis;
        this.store = store;
        prefix = options.Value.KeyPrefix;
        length = options.Value.EventStreamLength;
        this.logger = logger;
        followers = new JobEventFollowers(store, ReadLogAsync, SubscribeAsync, UnsubscribeAsync);
    }

    RedisKey Stream(string jobId) => $"{prefix}:events:{jobId}";

    RedisChannel Channel(string jobId) => RedisChannel.Literal($"{prefix}:events:{jobId}");

    public async ValueTask PublishAsync(JobEvent persisted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(persisted);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(persisted, Json);
        var db = redis.GetDatabase();
        try
        {
            await AddAndPublishAsync(db, persisted, body).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            // Redis is away (a restart): the event is persisted, so the job goes on; readers take it from the store — on
            // their next event's gap, or at their idle catch-up (JobEventFollowers).
            logger.LogWarning("Event {Sequence} of job {JobId} not published ({Error}); readers read it from the store", persisted.Sequence, persisted.JobId, ex.Message);
        }
    }

    async Task AddAndPublishAsync(IDatabase db, JobEvent persisted, byte[] body)
    {
        try
        {
            await db.StreamAddAsync(Stream(persisted.JobId), "e", body, $"{persisted.Sequence}-0", maxLength: length, useApproximateMaxLength: true).ConfigureAwait(false);
            if (JobEvent.IsTerminal(persisted.Type)) await db.KeyExpireAsync(Stream(persisted.JobId), TimeSpan.FromDays(1)).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("equal or smaller", StringComparison.Ordinal))
        {
            // Two writers on one job published out of order: the stream keeps its order, readers fill the gap from the store.
            logger.LogDebug("Event {Sequence} of job {JobId} reached its stream after a later one", persisted.Sequence, persisted.JobId);
        }
        await redis.GetSubscriber().PublishAsync(Channel(persisted.JobId), body).ConfigureAwait(false);
    }

    public IAsyncEnumerable<JobEvent> ReadAsync(string jobId, long afterSequence, CancellationToken cancellationToken) =>
        followers.ReadAsync(jobId, afterSequence, cancellationToken);

    /// <summary>The job's events after a sequence from its Redis stream; from the store when the stream does not begin right after it.</summary>
    async Task<IReadOnlyList<JobEvent>> ReadLogAsync(string jobId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        StreamEntry[] entries;
        try { entries = await redis.GetDatabase().StreamRangeAsync(Stream(jobId), $"({afterSequence}-0", "+", limit).ConfigureAwait(false); }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            // Redis is away: the store has every event.
            return await store.ReadEventsAsync(jobId, afterSequence, limit, cancellationToken).ConfigureAwait(false);
        }
        var events = new List<JobEvent>(entries.Length);
        long expected = afterSequence + 1;
        foreach (var entry in entries)
        {
            var e = JsonSerializer.Deserialize<JobEvent>((byte[])entry["e"]!, Json)!;
            if (e.Sequence != expected) break; // trimmed, or a gap left by an out-of-order publish
            events.Add(e);
            expected++;
        }
        if (events.Count == entries.Length && events.Count > 0) return events;
        // Trimmed, gapped or gone (expired, or never reached Redis): the store has every event.
        return await store.ReadEventsAsync(jobId, afterSequence, limit, cancellationToken).ConfigureAwait(false);
    }

    Task SubscribeAsync(string jobId) =>
        redis.GetSubscriber().SubscribeAsync(Channel(jobId), (_, message) =>
        {
            try { followers.Write(JsonSerializer.Deserialize<JobEvent>((byte[])message!, Json)!); }
            catch (JsonException ex) { logger.LogWarning(ex, "Unreadable event on the channel of job {JobId}", jobId); }
        });

    Task UnsubscribeAsync(string jobId) => redis.GetSubscriber().UnsubscribeAsync(Channel(jobId));
}
