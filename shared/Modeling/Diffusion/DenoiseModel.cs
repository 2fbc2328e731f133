using static TorchSharp.torch;

namespace Media.Modeling.Diffusion;

/// <summary>
/// A denoiser: given x_t [B, C, ...] and the original (unrespaced) timesteps [B] (long), returns epsilon
/// [B, C, ...], or [B, 2C, ...] (epsilon then v) when the variance is learned.
/// </summary>
public delegate Tensor DenoiseModel(Tensor noisy, Tensor timesteps);

/// <summary>One reverse step's prediction: the mean and log variance of p(x_{t-1} | x_t), and the x_0 and epsilon behind them.</summary>
public sealed record DiffusionPrediction(Tensor Mean, Tensor LogVariance, Tensor PredictedX0, Tensor Epsilon) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Mean.Dispose();
        LogVariance.Dispose();
        PredictedX0.Dispose();
        Epsilon.Dispose();
    }
}

/// <summary>Per-sample training terms [B]: the epsilon MSE, the variational bound term in bits (learned variance only), and their sum.</summary>
public sealed record DiffusionLosses(Tensor Mse, Tensor? VariationalBound, Tensor Loss) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Mse.Dispose();
        VariationalBound?.Dispose();
        Loss.Dispose();
    }
}
