using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// Non-overlapping p x p patches of an image or latent grid as tokens, in the layout of a stride-p convolution's
/// unfolded weight and of einops' <c>b c (h p1) (w p2) -> b (h w) (c p1 p2)</c>: tokens row-major over the patch grid,
/// features channel-major then patch row then patch column. A Linear over these tokens is the p x p stride-p Conv2d
/// (its weight reshaped to [out, c p p]) — the exact path training here needs, as libtorch's CPU convolution backward is broken.
/// </summary>
public static class ImagePatches
{
    /// <summary>[B, C, H, W] to [B, (H/p)(W/p), C p p].</summary>
    public static Tensor Split(Tensor images, int patch)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || patch <= 0 || images.shape[2] % patch != 0 || images.shape[3] % patch != 0)
            throw new ArgumentException($"Expected [B, C, H, W] with H and W multiples of {patch}, got [{string.Join(", ", images.shape)}].", nameof(images));
        long b = images.shape[0], c = images.shape[1], h = images.shape[2] / patch, w = images.shape[3] / patch;
        return images.reshape(b, c, h, patch, w, patch).permute(0, 2, 4, 1, 3, 5).reshape(b, h * w, c * patch * patch);
    }

    /// <summary>[B, h w, C p p] back to [B, C, h p, w p] for a grid of <paramref name="height"/> x <paramref name="width"/> patches.</summary>
    public static Tensor Merge(Tensor tokens, int patch, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.dim() != 3 || tokens.shape[1] != (long)height * width || tokens.shape[2] % (patch * patch) != 0)
            throw new ArgumentException($"Expected [B, {height * width}, C*{patch * patch}], got [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        long b = tokens.shape[0], c = tokens.shape[2] / (patch * patch);
        return tokens.reshape(b, height, width, c, patch, patch).permute(0, 3, 1, 4, 2, 5).reshape(b, c, (long)height * patch, (long)width * patch);
    }
}
