using static TorchSharp.torch;

namespace Media.Services.Image.MagicMix;

/// <summary>The phase a MagicMix step belongs to.</summary>
public enum MixPhase
{
    /// <summary>Text-text mode: the layout prompt denoised from noise down to k_max.</summary>
    LayoutGeneration,

    /// <summary>k_max → k_min: content denoising mixed with the layout after each step.</summary>
    LayoutMixing,

    /// <summary>k_min → 0: plain conditional denoising with the content prompt.</summary>
    Content,
}

/// <summary>
/// One finished step of a mix: <paramref name="Step"/> of <paramref name="Steps"/> (1-based over the steps this mix runs), its
/// phase, the latent after it, and the clean latent predicted at it (what a preview decodes). The tensors are valid only
/// during the callback.
/// </summary>
public sealed record MixStep(int Step, int Steps, MixPhase Phase, Tensor Latent, Tensor PredictedClean);
