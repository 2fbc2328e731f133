using Media.Modeling.Serving;

namespace Media.Modeling.Tests.Serving;

/// <summary>The group scheduler's contract, with a stepper that only counts: who steps together, who waits, who leaves.</summary>
public sealed class GroupStepSchedulerTests
{
    sealed class Counter(int key, int steps) : GroupedRequest
    {
        public int Key { get; set; } = key;
        public int Remaining { get; set; } = steps;
        public bool Admitted { get; set; }
        public bool Released { get; set; }
        public override object BatchKey => Key;
        public override bool IsDone => Remaining == 0;
    }

    sealed class CountingStepper : IGroupStepper<Counter>
    {
        public List<int[]> Groups { get; } = [];
        public int FailKey { get; init; } = -1;
        public void Admit(Counter request) => request.Admitted = true;
        public void Advance(IReadOnlyList<Counter> group)
        {
            Groups.Add([.. group.Select(r => r.Key)]);
            if (group[0].Key == FailKey) throw new InvalidOperationException("this group's pass failed");
            foreach (var request in group) request.Remaining--;
        }
        public void Release(Counter request) => request.Released = true;
    }

    [Fact]
    public async Task Requests_with_equal_keys_step_together_and_leave_when_done()
    {
        var stepper = new CountingStepper();
        using var scheduler = new GroupStepScheduler<Counter>(stepper, maxRunning: 8);
        Counter a = new(4, 2), b = new(4, 3), c = new(2, 1);
        foreach (var r in new[] { a, b, c }) scheduler.Submit(r);

        var first = scheduler.Step();
        Assert.Equal([a.Id, b.Id, c.Id], first.Joined);
        Assert.Equal(3, first.DecodeRows);
        Assert.Equal([[4, 4], [2]], stepper.Groups);
        Assert.Equal([c.Id], first.Finished);
        Assert.True(c.Released);
        Assert.Equal(RequestStatus.Completed, await c.Completion);

        // A request whose key changes (ARDiT's short last block) moves to the group of its new key.
        a.Key = 1;
        scheduler.Step();
        Assert.Equal([[1], [4]], stepper.Groups.Skip(2));
        var last = scheduler.Step();
        Assert.Equal([b.Id], last.Finished);
        Assert.False(scheduler.HasWork);
        foreach (var r in new[] { a, b, c }) Assert.Equal(RequestStatus.Completed, await r.Completion);
    }

    [Fact]
    public async Task At_most_max_running_step_and_a_cancelled_waiting_request_is_released_without_running()
    {
        var stepper = new CountingStepper();
        using var scheduler = new GroupStepScheduler<Counter>(stepper, maxRunning: 2);
        Counter a = new(1, 2), b = new(1, 2), c = new(1, 1), d = new(1, 1);
        foreach (var r in new[] { a, b, c, d }) scheduler.Submit(r);

        scheduler.Step();
        Assert.Equal(2, scheduler.RunningCount);
        Assert.False(c.Admitted);
        scheduler.Cancel(d.Id);
        var second = scheduler.Step();
        Assert.Equal([d.Id], second.Cancelled);
        Assert.True(d.Released);
        Assert.False(d.Admitted);
        Assert.Equal(RequestStatus.Cancelled, await d.Completion);
        Assert.Equal([a.Id, b.Id], second.Finished);
        var third = scheduler.Step();
        Assert.Equal([c.Id], third.Joined);
        Assert.Equal([c.Id], third.Finished);
        Assert.All(stepper.Groups, g => Assert.InRange(g.Length, 1, 2));
    }

    [Fact]
    public async Task A_failing_pass_fails_its_group_only()
    {
        var stepper = new CountingStepper { FailKey = 2 };
        using var scheduler = new GroupStepScheduler<Counter>(stepper, maxRunning: 8);
        Counter ok = new(1, 1), bad = new(2, 1), alsoBad = new(2, 1);
        foreach (var r in new[] { ok, bad, alsoBad }) scheduler.Submit(r);
        var report = scheduler.Step();
        Assert.Equal([bad.Id, alsoBad.Id], report.Failed);
        Assert.Equal([ok.Id], report.Finished);
        Assert.True(bad.Released);
        Assert.Equal("this group's pass failed", (await Assert.ThrowsAsync<InvalidOperationException>(() => bad.Completion)).Message);
        Assert.Equal(RequestStatus.Completed, await ok.Completion);
    }

    [Fact]
    public async Task Stopping_the_loop_cancels_what_is_left()
    {
        var stepper = new CountingStepper();
        using var scheduler = new GroupStepScheduler<Counter>(stepper, maxRunning: 1);
        using var stop = new CancellationTokenSource();
        Counter endless = new(1, int.MaxValue), queued = new(1, 1);
        scheduler.Submit(endless);
        scheduler.Submit(queued);
        var loop = scheduler.RunAsync(stop.Token);
        while (!endless.Admitted) await Task.Delay(1);
        await stop.CancelAsync();
        await loop;
        Assert.Equal(RequestStatus.Cancelled, await endless.Completion);
        Assert.Equal(RequestStatus.Cancelled, await queued.Completion);
        Assert.True(queued.Released);
    }
}
