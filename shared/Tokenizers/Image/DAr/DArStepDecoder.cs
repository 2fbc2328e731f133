using Media.Modeling.Devices;
using Media.Modeling.Diffusion;
using static TorchSharp.torch;
using Media.Modeling.Tensors;

namespace Media.Tokenizers.Image.DAr;

/// <summary>
/// Decodes D-AR tokens one group at a time, as they arrive: step i reads group i (through the causal condition
/// transformer, so it depends on groups 0..i), computes the velocity at x_{t_i}, and gives a <b>consistent preview</b>
/// — the jump from t_i straight to t = 1 along that velocity, x̂1 = x_{t_i} + (1 - t_i) v — before the sampler (adams2
/// by default) advances x to t_{i+1}. Previews of later groups refine the same trajectory, so they sharpen towards the
/// final image instead of jumping around. Owns x and the sampler's state; dispose it.
/// </summary>
public sealed class DArStepDecoder : IDisposable
{
    readonly DArTokenizer tokenizer;
    readonly FlowSampler sampler;
    Tensor x;

    /// <summary>Starts at <paramref name="noise"/> [B, 3, H, W] (x at t = 0) on the tokenizer's shifted schedule.</summary>
    public DArStepDecoder(DArTokenizer tokenizer, Tensor noise, FlowSolver solver = FlowSolver.Adams2)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(noise);
        int s = tokenizer.Config.ImageSize;
        if (noise.dim() != 4 || noise.shape[1] != 3 || noise.shape[2] != s || noise.shape[3] != s)
            throw new ArgumentException($"The noise must be [B, 3, {s}, {s}], got [{string.Join(", ", noise.shape)}].", nameof(noise));
        this.tokenizer = tokenizer;
        sampler = new FlowSampler(tokenizer.Schedule(), solver);
        x = noise.to(tokenizer.Device).detach().clone().DetachFromDisposeScope();
    }

    /// <summary>Groups decoded so far.</summary>
    public int GroupsDone => sampler.StepIndex;

    /// <summary>True once every group's step has run.</summary>
    public bool IsDone => sampler.StepIndex >= sampler.Steps;

    /// <summary>
    /// Runs the next group's flow step with token ids <paramref name="codes"/> [B, n] (n ≥ tokens of groups 0..i; later
    /// tokens are ignored) and returns the preview [B, 3, H, W] in [-1, 1] (in the caller's dispose scope).
    /// </summary>
    public Tensor Step(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (IsDone) throw new InvalidOperationException($"All {tokenizer.Config.Groups} groups are decoded.");
        int group = sampler.StepIndex, needed = (group + 1) * tokenizer.Config.TokensPerGroup;
        if (codes.dim() != 2 || codes.shape[0] != x.shape[0] || codes.shape[1] < needed)
            throw new ArgumentException($"Group {group} needs codes [{x.shape[0]}, ≥ {needed}], got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var conditions = tokenizer.GroupConditions(tokenizer.ConditionsOfCodes(codes.narrow(1, 0, needed).to(tokenizer.Device)), group);
        var t = full(x.shape[0], sampler.Time, x.dtype, device: x.device);
        var velocity = tokenizer.Velocity(x, t, conditions);
        var preview = ToImage(FlowMatching.JumpToData(x, velocity, t));
        var next = sampler.Step(x, velocity).DetachFromDisposeScope();
        x.Dispose();
        x = next;
        return preview.MoveToOuterDisposeScope();
    }

    /// <summary>The image [B, 3, H, W] in [-1, 1] after every group's step (in the caller's dispose scope).</summary>
    public Tensor Image()
    {
        if (!IsDone) throw new InvalidOperationException($"{GroupsDone} of {tokenizer.Config.Groups} groups are decoded.");
        return ToImage(x);
    }

    Tensor ToImage(Tensor flowScale) => (flowScale / tokenizer.Config.DataStd).Clamp(-1, 1);

    /// <inheritdoc/>
    public void Dispose()
    {
        sampler.Dispose();
        x.Dispose();
    }
}
