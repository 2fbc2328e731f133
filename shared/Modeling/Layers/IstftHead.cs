using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>Vocos's ISTFTHead without the transform: <c>out</c> linear to log-magnitude and phase, combined into a complex spectrum.</summary>
public sealed class IstftHead : nn.Module<Tensor, Tensor>
{
    readonly Linear @out;
    readonly long bins;

    /// <summary>A head from <paramref name="channels"/> features to <paramref name="bins"/> complex bins.</summary>
    public IstftHead(long channels, long bins) : base(nameof(IstftHead))
    {
        this.bins = bins;
        @out = nn.Linear(channels, 2 * bins);
        RegisterComponents();
    }

    /// <summary>Features <c>[B, T, C]</c> to spectrum <c>[B, bins, T]</c> (complex64).</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var x = @out.call(features).transpose(1, 2);
        var magnitude = x.narrow(1, 0, bins).exp().clamp_max(1e2);
        var phase = x.narrow(1, bins, bins);
        return complex(magnitude * phase.cos(), magnitude * phase.sin()).MoveToOuterDisposeScope();
    }
}
