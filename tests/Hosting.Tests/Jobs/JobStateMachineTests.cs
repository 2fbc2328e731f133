using System.Text.Json;
using Media.Hosting.Jobs;

namespace Media.Hosting.Tests.Jobs;

public sealed class JobStateMachineTests
{
    /// <summary>The legal moves, written out by hand from the design (queued -> running -> finished; running -> queued on restart).</summary>
    static readonly HashSet<(JobStatus, JobStatus)> Legal =
    [
        (JobStatus.Queued, JobStatus.Running), (JobStatus.Queued, JobStatus.Cancelled), (JobStatus.Queued, JobStatus.Failed),
        (JobStatus.Running, JobStatus.Succeeded), (JobStatus.Running, JobStatus.Failed), (JobStatus.Running, JobStatus.Cancelled),
        (JobStatus.Running, JobStatus.Queued),
    ];

    static Job NewJob(JobStatus status) => new()
    {
        Id = "job_x", Kind = "image", Model = "m", Family = "image", Owner = "o", Status = status,
        Parameters = JsonDocument.Parse("{}").RootElement,
    };

    [Fact]
    public void Every_pair_of_statuses_is_legal_exactly_when_the_design_says_so()
    {
        foreach (var from in Enum.GetValues<JobStatus>())
        foreach (var to in Enum.GetValues<JobStatus>())
        {
            bool legal = Legal.Contains((from, to));
            Assert.Equal(legal, JobStateMachine.CanMove(from, to));
            if (legal) Assert.Equal(to, JobStateMachine.Move(NewJob(from), to, DateTimeOffset.UnixEpoch, "reason").Status);
            else Assert.Throws<InvalidJobTransitionException>(() => JobStateMachine.Move(NewJob(from), to, DateTimeOffset.UnixEpoch, "reason"));
        }
    }

    [Fact]
    public void Moves_set_the_timestamps_and_a_failure_needs_a_reason()
    {
        var start = DateTimeOffset.UnixEpoch.AddSeconds(1);
        var end = start.AddSeconds(2);
        var running = JobStateMachine.Move(NewJob(JobStatus.Queued), JobStatus.Running, start);
        Assert.Equal(start, running.StartedAt);
        Assert.Null(running.FinishedAt);

        var failed = JobStateMachine.Move(running, JobStatus.Failed, end, "out of memory");
        Assert.Equal((start, end, "out of memory"), (failed.StartedAt!.Value, failed.FinishedAt!.Value, failed.FailureReason));
        Assert.Throws<ArgumentException>(() => JobStateMachine.Move(running, JobStatus.Failed, end));

        var requeued = JobStateMachine.Move(running, JobStatus.Queued, end);
        Assert.Null(requeued.StartedAt);
    }
}
