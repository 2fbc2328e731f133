using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// DiT's / MAR's TimestepEmbedder: a sinusoidal frequency embedding of the (possibly fractional) timestep,
/// then an MLP Linear -> SiLU -> Linear (keys <c>mlp.0</c>, <c>mlp.2</c>).
/// </summary>
public sealed class TimestepEmbedder : nn.Module<Tensor, Tensor>
{
    readonly Sequential mlp;

    /// <summary>Embeds timesteps into <paramref name="hiddenSize"/> features through a <paramref name="frequencySize"/>-dim sinusoid.</summary>
    public TimestepEmbedder(long hiddenSize, long frequencySize = 256, double maxPeriod = 10000) : base(nameof(TimestepEmbedder))
    {
        if (hiddenSize <= 0 || frequencySize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), "Embedding sizes must be positive.");
        FrequencySize = frequencySize;
        MaxPeriod = maxPeriod;
        mlp = nn.Sequential(nn.Linear(frequencySize, hiddenSize), nn.SiLU(), nn.Linear(hiddenSize, hiddenSize));
        RegisterComponents();
    }

    /// <summary>Width of the sinusoidal embedding fed to the MLP.</summary>
    public long FrequencySize { get; }

    /// <summary>The longest period of the sinusoids.</summary>
    public double MaxPeriod { get; }

    /// <summary>[N] timesteps to [N, hidden].</summary>
    public override Tensor forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var frequencies = Sinusoidal(timesteps, FrequencySize, MaxPeriod).to_type(mlp.parameters().First().dtype);
        return mlp.call(frequencies).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [cos(t f_0), ..., cos(t f_{h-1}), sin(t f_0), ..., sin(t f_{h-1})] with h = dim / 2 and
    /// f_i = maxPeriod^(-i / h); a zero column is appended when dim is odd (GLIDE / DiT). Float32 [N, dim].
    /// </summary>
    public static Tensor Sinusoidal(Tensor timesteps, long dim, double maxPeriod = 10000)
    {
        ArgumentNullException.ThrowIfNull(timesteps);
        if (timesteps.dim() != 1) throw new ArgumentException($"Timesteps must be one-dimensional [N], got [{string.Join(", ", timesteps.shape)}].", nameof(timesteps));
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The embedding width must be positive.");
        using var scope = NewDisposeScope();
        long half = dim / 2;
        var frequencies = exp(-Math.Log(maxPeriod) * arange(half, dtype: ScalarType.Float32, device: timesteps.device) / half);
        var args = timesteps.to_type(ScalarType.Float32).unsqueeze(1) * frequencies.unsqueeze(0);
        var embedding = cat([cos(args), sin(args)], -1);
        if (dim % 2 == 1) embedding = cat([embedding, zeros(timesteps.shape[0], 1, device: timesteps.device)], -1);
        return embedding.MoveToOuterDisposeScope();
    }
}
