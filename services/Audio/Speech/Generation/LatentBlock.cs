using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>One generated block: data-space latents [n, C] of frames FirstFrame..FirstFrame+n-1 (the caller disposes them).</summary>
public sealed record LatentBlock(int FirstFrame, Tensor Latents) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Latents.Dispose();
}
