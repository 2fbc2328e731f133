using Media.Hosting.Jobs;
using Media.Hosting.Queues;

namespace Media.Hosting.Tests.Contracts;

/// <summary>
/// What every <see cref="IJobQueue"/> promises (issue 13 §1, §4): lanes, bounds, removal, positions, and leases — a job
/// handed to one worker is not handed to another while the lease is renewed, an expired lease hands it out again, and an
/// acknowledged job is gone. Each implementation runs these same tests (in-process here; Redis in RedisContractTests).
/// </summary>
public abstract class JobQueueContract
{
    static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A fresh, empty queue of its own family.</summary>
    protected abstract Task<IJobQueue> CreateAsync(int interactiveCapacity, int batchCapacity, TimeSpan lease);

    static async Task<JobLease> TakeSoonAsync(IJobQueue queue, string consumer, TimeSpan? within = null) =>
        await queue.TakeAsync(consumer, None).AsTask().WaitAsync(within ?? TimeSpan.FromSeconds(5));

    [SkippableFact]
    public async Task Interactive_jobs_leave_before_batch_jobs_and_each_lane_is_first_in_first_out()
    {
        var queue = await CreateAsync(10, 10, TimeSpan.FromSeconds(30));
        foreach (var (id, priority) in new[] { ("b1", JobPriority.Batch), ("i1", JobPriority.Interactive), ("b2", JobPriority.Batch), ("i2", JobPriority.Interactive) })
            Assert.True(await queue.EnqueueAsync(new QueuedJob(id, priority), false, None));
        var positions = new List<int>();
        foreach (string id in new[] { "i1", "i2", "b1", "b2" }) positions.Add((await queue.PositionOfAsync(id, None))!.Value);
        Assert.Equal([0, 1, 2, 3], positions);
        var order = new List<string>();
        for (int i = 0; i < 4; i++) order.Add((await TakeSoonAsync(queue, "w1")).JobId);
        Assert.Equal(["i1", "i2", "b1", "b2"], order);
        Assert.Equal(0, await queue.CountAsync(None));
    }

    [SkippableFact]
    public async Task Each_lane_is_bounded_but_recovery_may_exceed_the_bound_and_a_job_is_never_queued_twice()
    {
        var queue = await CreateAsync(2, 1, TimeSpan.FromSeconds(30));
        Assert.True(await queue.EnqueueAsync(new QueuedJob("a", JobPriority.Interactive), false, None));
        Assert.True(await queue.EnqueueAsync(new QueuedJob("b", JobPriority.Interactive), false, None));
        Assert.True(await queue.EnqueueAsync(new QueuedJob("a", JobPriority.Interactive), false, None));
        Assert.False(await queue.HasRoomAsync(JobPriority.Interactive, 1, None));
        Assert.False(await queue.EnqueueAsync(new QueuedJob("c", JobPriority.Interactive), false, None));
        Assert.True(await queue.HasRoomAsync(JobPriority.Batch, 1, None));
        Assert.False(await queue.HasRoomAsync(JobPriority.Batch, 2, None));
        Assert.True(await queue.EnqueueAsync(new QueuedJob("c", JobPriority.Interactive), true, None));
        Assert.Equal(3, await queue.CountAsync(None));
    }

    [SkippableFact]
    public async Task A_removed_job_is_never_handed_out_and_a_waiting_take_gets_the_next_one()
    {
        var queue = await CreateAsync(10, 10, TimeSpan.FromSeconds(30));
        await queue.EnqueueAsync(new QueuedJob("gone", JobPriority.Interactive), false, None);
        Assert.True(await queue.RemoveAsync("gone", None));
        Assert.False(await queue.RemoveAsync("gone", None));
        Assert.Null(await queue.PositionOfAsync("gone", None));
        var waiting = queue.TakeAsync("w1", None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await queue.EnqueueAsync(new QueuedJob("next", JobPriority.Batch), false, None);
        Assert.Equal("next", (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).JobId);
    }

    [SkippableFact]
    public async Task A_leased_job_is_not_waiting_and_cannot_be_removed_or_handed_to_another_worker_while_renewed()
    {
        // A lease three times the renewal interval: a loaded CI machine can stall a 500 ms delay by a second.
        var queue = await CreateAsync(10, 10, TimeSpan.FromMilliseconds(1500));
        await queue.EnqueueAsync(new QueuedJob("j", JobPriority.Interactive), false, None);
        var lease = await TakeSoonAsync(queue, "w1");
        Assert.Equal(("j", "w1", 1), (lease.JobId, lease.Consumer, lease.Deliveries));
        Assert.Null(await queue.PositionOfAsync("j", None));
        Assert.False(await queue.RemoveAsync("j", None));
        Assert.Equal(0, await queue.CountAsync(None));
        // Renewed across twice the lease: the other worker never gets it.
        var other = queue.TakeAsync("w2", None).AsTask();
        for (int i = 0; i < 6; i++)
        {
            await Task.Delay(500);
            Assert.True(await queue.RenewAsync(lease, None));
        }
        Assert.False(other.IsCompleted);
        Assert.True(await queue.AcknowledgeAsync(lease, None));
        await queue.EnqueueAsync(new QueuedJob("k", JobPriority.Interactive), false, None);
        Assert.Equal("k", (await other.WaitAsync(TimeSpan.FromSeconds(5))).JobId);
    }

    [SkippableFact]
    public async Task An_expired_lease_hands_the_job_to_another_worker_and_the_first_one_can_neither_renew_nor_acknowledge()
    {
        var queue = await CreateAsync(10, 10, TimeSpan.FromMilliseconds(300));
        await queue.EnqueueAsync(new QueuedJob("j", JobPriority.Interactive), false, None);
        var first = await TakeSoonAsync(queue, "w1");
        var second = await TakeSoonAsync(queue, "w2", TimeSpan.FromSeconds(10));
        Assert.Equal(("j", "w2"), (second.JobId, second.Consumer));
        Assert.True(second.Deliveries >= 2);
        Assert.False(await queue.RenewAsync(first, None));
        Assert.False(await queue.AcknowledgeAsync(first, None));
        Assert.True(await queue.AcknowledgeAsync(second, None));
        // Acknowledged: gone for good, even after another lease length.
        await Task.Delay(400);
        var nothing = queue.TakeAsync("w3", None).AsTask();
        await Task.Delay(400);
        Assert.False(nothing.IsCompleted);
        await queue.EnqueueAsync(new QueuedJob("later", JobPriority.Batch), false, None);
        Assert.Equal("later", (await nothing.WaitAsync(TimeSpan.FromSeconds(5))).JobId);
    }

    [SkippableFact]
    public async Task A_job_handed_back_after_acknowledging_can_be_queued_again()
    {
        var queue = await CreateAsync(10, 10, TimeSpan.FromSeconds(30));
        await queue.EnqueueAsync(new QueuedJob("j", JobPriority.Interactive), false, None);
        var lease = await TakeSoonAsync(queue, "w1");
        Assert.True(await queue.AcknowledgeAsync(lease, None));
        Assert.True(await queue.EnqueueAsync(new QueuedJob("j", JobPriority.Interactive), true, None));
        Assert.Equal(0, await queue.PositionOfAsync("j", None));
        Assert.Equal("j", (await TakeSoonAsync(queue, "w2")).JobId);
    }
}

public sealed class InProcessJobQueueTests : JobQueueContract, IDisposable
{
    readonly List<InProcessJobQueue> queues = [];

    protected override Task<IJobQueue> CreateAsync(int interactiveCapacity, int batchCapacity, TimeSpan lease)
    {
        var queue = new InProcessJobQueue("image", interactiveCapacity, batchCapacity, lease);
        queues.Add(queue);
        return Task.FromResult<IJobQueue>(queue);
    }

    public void Dispose()
    {
        foreach (var q in queues) q.Dispose();
    }
}
