using Media.Hosting.Jobs;
using Media.Hosting.Queues;
using StackExchange.Redis;

namespace Media.Hosting.Redis;

/// <summary>
/// One family's queue on Redis Streams: a stream per lane (<c>media:queue:{image}:interactive</c> and <c>:batch</c>), read by
/// the consumer group <c>workers</c>. A worker's lease is its pending entry: renewing resets the entry's idle time, an
/// entry idle longer than the lease is taken over with XAUTOCLAIM, and acknowledging removes it (XACK + XDEL). A hash
/// maps job ids to their entries, so a job is never queued twice, and a waiting one can be removed or located. Each
/// operation is one Lua script, atomic on the server; the keys share a hash tag so a cluster keeps them together.
/// Takers wait on a pub/sub signal from enqueuers, and wake at least every quarter lease to look for expired ones.
/// </summary>
public sealed class RedisJobQueue : IJobQueue, IDisposable
{
    const string Group = "workers";

    const string EnqueueScript = """
        if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 1 end
        if ARGV[3] == '0' then
          local waiting = redis.call('XLEN', KEYS[1]) - redis.call('XPENDING', KEYS[1], ARGV[5])[1]
          if waiting >= tonumber(ARGV[2]) then return 0 end
        end
        local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. '|' .. id)
        redis.call('PUBLISH', ARGV[6], '1')
        return 1
        """;

    const string TakeScript = """
        for i = 1, 2 do
          local r = redis.call('XAUTOCLAIM', KEYS[i], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', 1)
          local claimed = r[2]
          if #claimed > 0 and claimed[1][2] then
            local id = claimed[1][1]
            local p = redis.call('XPENDING', KEYS[i], ARGV[1], id, id, 1)
            return {i, id, claimed[1][2][2], p[1][4]}
          end
        end
        for i = 1, 2 do
          local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[i], '>')
          if r and #r > 0 and #r[1][2] > 0 then
            local e = r[1][2][1]
            return {i, e[1], e[2][2], 1}
          end
        end
        return false
        """;

    const string RenewScript = """
        local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
        if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
        redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
        return 1
        """;

    const string AcknowledgeScript = """
        local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
        if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        if redis.call('HGET', KEYS[2], ARGV[4]) == ARGV[5] then redis.call('HDEL', KEYS[2], ARGV[4]) end
        return 1
        """;

    // Shared by remove and position: the job's lane and entry, or nothing when it is not waiting (absent or pending).
    const string Locate = """
        local function lane_key(lane) if lane == 'interactive' then return KEYS[2] end return KEYS[3] end
        local function locate(job)
          local v = redis.call('HGET', KEYS[1], job)
          if not v then return nil end
          local sep = string.find(v, '|', 1, true)
          local lane = string.sub(v, 1, sep - 1)
          local id = string.sub(v, sep + 1)
          local key = lane_key(lane)
          if #redis.call('XPENDING', key, ARGV[2], id, id, 1) > 0 then return nil end
          return lane, key, id
        end
        local function last_delivered(key)
          for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
            local name, last
            for j = 1, #g, 2 do
              if g[j] == 'name' then name = g[j + 1] elseif g[j] == 'last-delivered-id' then last = g[j + 1] end
            end
            if name == ARGV[2] then return last end
          end
          return '0-0'
        end
        local function waiting_before(key, upto)
          local last = last_delivered(key)
          local stop = '+'
          if upto then stop = '(' .. upto end
          return #redis.call('XRANGE', key, '(' .. last, stop)
        end
        """;

    const string RemoveScript = Locate + "\n" + """
        local lane, key, id = locate(ARGV[1])
        if not lane then return 0 end
        if redis.call('XDEL', key, id) == 0 then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        return 1
        """;

    const string PositionScript = Locate + "\n" + """
        local lane, key, id = locate(ARGV[1])
        if not lane then return -1 end
        if lane == 'interactive' then return waiting_before(KEYS[2], id) end
        return waiting_before(KEYS[2], nil) + waiting_before(KEYS[3], id)
        """;

    const string CountScript = """
        local n = 0
        for i = 1, 2 do n = n + redis.call('XLEN', KEYS[i]) - redis.call('XPENDING', KEYS[i], ARGV[1])[1] end
        return n
        """;

    readonly IConnectionMultiplexer redis;
    readonly RedisKey interactive, batch, index;
    readonly RedisChannel signal;
    readonly int interactiveCapacity, batchCapacity;
    readonly TimeSpan lease;
    readonly SemaphoreSlim wake = new(0);
    readonly SemaphoreSlim setup = new(1, 1);
    bool ready;

    public RedisJobQueue(IConnectionMultiplexer redis, string prefix, string family, int interactiveCapacity, int batchCapacity, TimeSpan lease)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(family);
        this.redis = redis;
        Family = family;
        string root = $"{prefix}:queue:{{{family}}}";
        interactive = root + ":interactive";
        batch = root + ":batch";
        index = root + ":index";
        signal = RedisChannel.Literal(root + ":signal");
        this.interactiveCapacity = interactiveCapacity;
        this.batchCapacity = batchCapacity;
        this.lease = lease;
    }

    public string Family { get; }

    IDatabase Db => redis.GetDatabase();

    public async ValueTask<int> CountAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync().ConfigureAwait(false);
        return (int)await Db.ScriptEvaluateAsync(CountScript, [interactive, batch], [Group]).ConfigureAwait(false);
    }

    public async ValueTask<bool> HasRoomAsync(JobPriority priority, int count, CancellationToken cancellationToken)
    {
        await EnsureAsync().ConfigureAwait(false);
        var key = priority == JobPriority.Interactive ? interactive : batch;
        long waiting = (long)await Db.ScriptEvaluateAsync("return redis.call('XLEN', KEYS[1]) - redis.call('XPENDING', KEYS[1], ARGV[1])[1]", [key], [Group]).ConfigureAwait(false);
        return waiting + count <= (priority == JobPriority.Interactive ? interactiveCapacity : batchCapacity);
    }

    public async ValueTask<bool> EnqueueAsync(QueuedJob job, bool ignoreLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await EnsureAsync().ConfigureAwait(false);
        bool interactive = job.Priority == JobPriority.Interactive;
        var result = await Db.ScriptEvaluateAsync(EnqueueScript, [interactive ? this.interactive : batch, index],
            [job.JobId, interactive ? interactiveCapacity : batchCapacity, ignoreLimit ? "1" : "0", interactive ? "interactive" : "batch", Group, signal.ToString()]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async ValueTask<JobLease> TakeAsync(string consumer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        await EnsureAsync().ConfigureAwait(false);
        var poll = lease / 4 < TimeSpan.FromSeconds(1) ? lease / 4 : TimeSpan.FromSeconds(1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await Db.ScriptEvaluateAsync(TakeScript, [interactive, batch], [Group, consumer, (long)lease.TotalMilliseconds]).ConfigureAwait(false);
            if (!result.IsNull && result.Resp2Type == ResultType.Array)
            {
                var parts = (RedisResult[])result!;
                var priority = (long)parts[0] == 1 ? JobPriority.Interactive : JobPriority.Batch;
                return new JobLease((string)parts[2]!, priority, consumer, $"{(priority == JobPriority.Interactive ? "interactive" : "batch")}|{(string)parts[1]!}", (int)(long)parts[3]);
            }
            try { await wake.WaitAsync(poll, cancellationToken).ConfigureAwait(false); }
            catch (ObjectDisposedException) { throw new OperationCanceledException(cancellationToken); }
        }
    }

    public async ValueTask<bool> RenewAsync(JobLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var (key, id) = Entry(lease);
        return (long)await Db.ScriptEvaluateAsync(RenewScript, [key], [Group, id, lease.Consumer]).ConfigureAwait(false) == 1;
    }

    public async ValueTask<bool> AcknowledgeAsync(JobLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var (key, id) = Entry(lease);
        return (long)await Db.ScriptEvaluateAsync(AcknowledgeScript, [key, index], [Group, id, lease.Consumer, lease.JobId, lease.DeliveryId]).ConfigureAwait(false) == 1;
    }

    public async ValueTask<bool> RemoveAsync(string jobId, CancellationToken cancellationToken)
    {
        await EnsureAsync().ConfigureAwait(false);
        return (long)await Db.ScriptEvaluateAsync(RemoveScript, [index, interactive, batch], [jobId, Group]).ConfigureAwait(false) == 1;
    }

    public async ValueTask<int?> PositionOfAsync(string jobId, CancellationToken cancellationToken)
    {
        await EnsureAsync().ConfigureAwait(false);
        long position = (long)await Db.ScriptEvaluateAsync(PositionScript, [index, interactive, batch], [jobId, Group]).ConfigureAwait(false);
        return position < 0 ? null : (int)position;
    }

    (RedisKey Key, string Id) Entry(JobLease lease)
    {
        int sep = lease.DeliveryId.IndexOf('|', StringComparison.Ordinal);
        return (lease.DeliveryId[..sep] == "interactive" ? interactive : batch, lease.DeliveryId[(sep + 1)..]);
    }

    /// <summary>Creates both streams and their consumer group (once), and subscribes to the enqueue signal.</summary>
    async Task EnsureAsync()
    {
        if (Volatile.Read(ref ready)) return;
        await setup.WaitAsync().ConfigureAwait(false);
        try
        {
            if (ready) return;
            foreach (var key in new[] { interactive, batch })
            {
                try { await Db.StreamCreateConsumerGroupAsync(key, Group, "0-0", createStream: true).ConfigureAwait(false); }
                catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal)) { }
            }
            await redis.GetSubscriber().SubscribeAsync(signal, (_, _) =>
            {
                try { wake.Release(); } catch (ObjectDisposedException) { }
            }).ConfigureAwait(false);
            Volatile.Write(ref ready, true);
        }
        finally { setup.Release(); }
    }

    public void Dispose()
    {
        wake.Dispose();
        setup.Dispose();
    }
}
