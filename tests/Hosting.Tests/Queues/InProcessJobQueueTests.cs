using Media.Hosting.Jobs;
using Media.Hosting.Queues;

namespace Media.Hosting.Tests.Queues;

public sealed class InProcessJobQueueTests
{
    [Fact]
    public async Task Interactive_jobs_leave_before_batch_jobs_and_each_lane_is_first_in_first_out()
    {
        using var queue = new InProcessJobQueue("image", 10, 10);
        foreach (var (id, priority) in new[] { ("b1", JobPriority.Batch), ("i1", JobPriority.Interactive), ("b2", JobPriority.Batch), ("i2", JobPriority.Interactive) })
            Assert.True(queue.TryEnqueue(new QueuedJob(id, priority)));
        Assert.Equal([0, 1, 2, 3], new[] { "i1", "i2", "b1", "b2" }.Select(id => queue.PositionOf(id)!.Value));
        var order = new List<string>();
        for (int i = 0; i < 4; i++) order.Add((await queue.DequeueAsync(CancellationToken.None)).JobId);
        Assert.Equal(["i1", "i2", "b1", "b2"], order);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Each_lane_is_bounded_but_recovery_may_exceed_the_bound()
    {
        using var queue = new InProcessJobQueue("image", 2, 1);
        Assert.True(queue.TryEnqueue(new QueuedJob("a", JobPriority.Interactive)));
        Assert.True(queue.TryEnqueue(new QueuedJob("b", JobPriority.Interactive)));
        Assert.False(queue.HasRoom(JobPriority.Interactive));
        Assert.False(queue.TryEnqueue(new QueuedJob("c", JobPriority.Interactive)));
        Assert.True(queue.HasRoom(JobPriority.Batch));
        Assert.False(queue.HasRoom(JobPriority.Batch, 2));
        Assert.True(queue.TryEnqueue(new QueuedJob("c", JobPriority.Interactive), ignoreLimit: true));
        Assert.Equal(3, queue.Count);
    }

    [Fact]
    public async Task A_removed_job_is_never_handed_out_and_a_waiting_dequeue_gets_the_next_one()
    {
        using var queue = new InProcessJobQueue("image", 10, 10);
        queue.TryEnqueue(new QueuedJob("gone", JobPriority.Interactive));
        Assert.True(queue.TryRemove("gone"));
        Assert.False(queue.TryRemove("gone"));
        Assert.Null(queue.PositionOf("gone"));
        var waiting = queue.DequeueAsync(CancellationToken.None).AsTask();
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);
        queue.TryEnqueue(new QueuedJob("next", JobPriority.Batch));
        Assert.Equal("next", (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).JobId);
    }
}
