using static TorchSharp.torch;

namespace Media.Services.Image.MagicMix;

/// <summary>
/// The guided denoiser MagicMix drives: epsilon [B, C, H, W] for noisy latents at the original timesteps [B], conditioned on
/// <paramref name="prompt"/> (classifier-free guidance and any re-weighting are the implementation's business).
/// </summary>
public delegate Tensor MixDenoiser(Tensor noisy, Tensor timesteps, MixPrompt prompt);
