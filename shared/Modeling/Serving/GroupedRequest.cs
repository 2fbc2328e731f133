namespace Media.Modeling.Serving;

/// <summary>
/// A request served by a <see cref="GroupStepScheduler{TRequest}"/>: each step it joins the running requests with an
/// equal <see cref="BatchKey"/> in one batched step (ARDiT: the blocks of one length, so their noisy latents stack
/// into one forward pass), until it is done.
/// </summary>
public abstract class GroupedRequest : ScheduledRequest
{
    /// <summary>What it must share with others to step with them in one batch (read on the stepping thread, per step).</summary>
    public abstract object BatchKey { get; }

    /// <summary>True once it needs no more steps.</summary>
    public abstract bool IsDone { get; }
}
