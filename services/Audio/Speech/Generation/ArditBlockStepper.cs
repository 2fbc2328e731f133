using Media.Modeling.Diffusion;
using Media.Modeling.Serving;
using Media.Modeling.Transformers;
using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// ARDiT on the shared <see cref="GroupStepScheduler{TRequest}"/>: admitting a request encodes its text (and prefix) into
/// its slot of the stepper's one slot storage and draws its first block's noise; a step stacks the current blocks of one
/// block size from several requests (a short last block padded) into one DiT forward pass that reads their contexts in
/// place (<see cref="ArditModel.AppendCleanAndVelocityCached"/>), then takes each request's ODE step with its own sampler. A request whose block reached t = 1 sends it out, keeps it as
/// pending clean context (appended to its cache inside the next step's forward pass:
/// <see cref="ArditModel.AppendCleanAndVelocityCached"/>) and draws the next block's noise from its own generator, so each
/// request's speech is what <see cref="ArditSynthesizer.Blocks"/> makes for it alone.
/// </summary>
public sealed class ArditBlockStepper : IGroupStepper<ArditBlockRequest>, IDisposable
{
    readonly ArditModel model;
    readonly KvCache slots;

    /// <summary>Steps up to <paramref name="slots"/> utterances of <paramref name="model"/> at once, their contexts in one slot storage read in place.</summary>
    public ArditBlockStepper(ArditModel model, int slots)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        this.slots = model.CreateContextSlots(slots);
    }

    /// <inheritdoc/>
    public void Admit(ArditBlockRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BlockSize > ArditModel.MaxBatchedBlockSize)
            throw new ArgumentException($"Batched blocks take at most {ArditModel.MaxBatchedBlockSize} frames, not {request.BlockSize}.", nameof(request));
        var device = model.Device;
        request.Generator = new Generator((ulong)request.Options.Seed);
        using (var text = tensor(request.TextIds.Select(i => (long)i).ToArray(), [1, request.TextIds.Length], device: device))
            request.Cache = ArditSynthesizer.OpenContext(model, text, request.TotalFrames, request.TextFrames, request.Suffix, request.Prefix, request.Start, request.BlockSize, slots);
        request.Schedule = FlowMatching.Schedule(request.Options.Steps, request.Options.TimeShift);
        DrawNoise(request);
    }

    /// <inheritdoc/>
    public void Advance(IReadOnlyList<ArditBlockRequest> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        using var scope = NewDisposeScope();
        // In slot order, so the rows' contexts are read as one view of the slot storage.
        group = [.. group.OrderBy(r => r.Cache!.Slot)];
        // A short last block steps with the full ones, padded (the padding is masked out of every row's attention).
        int n = group.Max(r => r.Length);
        var xt = group.Count == 1 ? group[0].Latents! : cat(group.Select(r => r.Length == n ? r.Latents! : nn.functional.pad(r.Latents!, [0, 0, 0, n - r.Length])).ToArray(), 0);
        // Blocks finished last step join their caches in this forward pass (one call per step, not one more per request).
        var velocity = model.AppendCleanAndVelocityCached([.. group.Select(r => r.Cache!)], [.. group.Select(r => r.Pending)], xt,
            [.. group.Select(r => r.Sampler!.Time)], [.. group.Select(r => r.Start)], [.. group.Select(r => r.Length)]);
        foreach (var request in group)
        {
            request.Pending?.Dispose();
            request.Pending = null;
        }
        for (int i = 0; i < group.Count; i++)
        {
            var request = group[i];
            var next = request.Sampler!.Step(request.Latents!, velocity.narrow(0, i, 1).narrow(1, 0, request.Length)).DetachFromDisposeScope();
            request.Latents!.Dispose();
            request.Latents = next;
            if (request.Sampler.StepIndex == request.Sampler.Steps) FinishBlock(request);
        }
    }

    /// <inheritdoc/>
    public void Release(ArditBlockRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Free();
        request.Output.TryComplete();
    }

    /// <summary>Frees the slot storage (once the scheduler is done with every request).</summary>
    public void Dispose() => slots.Dispose();

    /// <summary>The block is clean: context for the next one (pending until its first step), and out to the caller, trimmed at the stop frame as in <see cref="ArditSynthesizer.Blocks"/>.</summary>
    void FinishBlock(ArditBlockRequest request)
    {
        using var scope = NewDisposeScope();
        int start = request.Start, n = request.Length, stop = request.StopFrame;
        var x = request.Latents!;
        var latents = model.Denormalize(x).squeeze(0).narrow(0, 0, Math.Min(n, stop - start)).DetachFromDisposeScope();
        if (!request.Output.TryWrite(new LatentBlock(start, latents))) latents.Dispose();
        request.Sampler!.Dispose();
        request.Sampler = null;
        request.Latents = null;
        // Context for the next block: appended in the forward pass of its first step.
        if (start + n < stop) request.Pending = x;
        else x.Dispose();
        request.Start += request.BlockSize;
        if (!request.IsDone) DrawNoise(request);
    }

    void DrawNoise(ArditBlockRequest request)
    {
        request.Latents = randn([1, request.Length, model.Config.LatentDim], generator: request.Generator).to(model.Device).DetachFromDisposeScope();
        request.Sampler = new FlowSampler(request.Schedule!, request.Options.Solver);
    }
}
