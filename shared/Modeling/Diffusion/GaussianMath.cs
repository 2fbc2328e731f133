using static TorchSharp.torch;

namespace Media.Modeling.Diffusion;

/// <summary>Gaussian terms of the variational bound, as iDDPM computes them (in nats).</summary>
public static class GaussianMath
{
    /// <summary>KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)), elementwise.</summary>
    public static Tensor NormalKl(Tensor mean1, Tensor logVariance1, Tensor mean2, Tensor logVariance2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(logVariance1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(logVariance2);
        using var scope = NewDisposeScope();
        var kl = 0.5 * (-1.0 + logVariance2 - logVariance1 + (logVariance1 - logVariance2).exp()
                        + (mean1 - mean2).square() * (-logVariance2).exp());
        return kl.MoveToOuterDisposeScope();
    }

    /// <summary>The tanh approximation of the standard normal CDF used by iDDPM.</summary>
    public static Tensor ApproxStandardNormalCdf(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return (0.5 * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh())).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-likelihood of data in [-1, 1] quantised to 256 levels under N(means, e^(2 logScales)), elementwise
    /// (the decoder term at t = 0).
    /// </summary>
    public static Tensor DiscretizedGaussianLogLikelihood(Tensor x, Tensor means, Tensor logScales)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(logScales);
        using var scope = NewDisposeScope();
        var centered = x - means;
        var invStd = (-logScales).exp();
        var cdfPlus = ApproxStandardNormalCdf(invStd * (centered + 1.0 / 255));
        var cdfMin = ApproxStandardNormalCdf(invStd * (centered - 1.0 / 255));
        var logCdfPlus = cdfPlus.clamp(min: 1e-12).log();
        var logOneMinusCdfMin = (1.0 - cdfMin).clamp(min: 1e-12).log();
        var logDelta = (cdfPlus - cdfMin).clamp(min: 1e-12).log();
        return where(x < -0.999, logCdfPlus, where(x > 0.999, logOneMinusCdfMin, logDelta)).MoveToOuterDisposeScope();
    }
}
