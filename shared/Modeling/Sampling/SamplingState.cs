using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Sampling;

/// <summary>
/// One request's sampling state: its parameters and its own generator, seeded from
/// <see cref="SamplingParameters.Seed"/> and advanced only by this request's draws, so the request
/// samples the same tokens alone or inside any batch.
/// </summary>
public sealed class SamplingState : IDisposable
{
    /// <summary>Validates the parameters and creates the request's generator on <paramref name="device"/>.</summary>
    public SamplingState(SamplingParameters parameters, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        Parameters = parameters;
        Generator = new Generator(parameters.Seed, device ?? CPU);
    }

    /// <summary>The request's sampling settings.</summary>
    public SamplingParameters Parameters { get; }

    /// <summary>The request's own random stream.</summary>
    public Generator Generator { get; }

    /// <inheritdoc />
    public void Dispose() => Generator.Dispose();
}
