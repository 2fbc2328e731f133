using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.Data;

/// <summary>Converts between RGB images and float tensors [B, 3, H, W] in [-1, 1], the VQ tokenizer's pixel range.</summary>
public static class ImageTensors
{
    /// <summary>Stacks same-sized images into one tensor on <paramref name="device"/>.</summary>
    public static Tensor ToTensor(IReadOnlyList<RgbImage> images, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("No images to stack.", nameof(images));
        int w = images[0].Width, h = images[0].Height;
        var bytes = new byte[images.Count * w * h * 3];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Width != w || images[i].Height != h)
                throw new ArgumentException($"Image {i} is {images[i].Width}x{images[i].Height}; the batch is {w}x{h}.", nameof(images));
            images[i].Pixels.CopyTo(bytes.AsSpan(i * w * h * 3));
        }
        using var scope = NewDisposeScope();
        var t = tensor(bytes, [images.Count, h, w, 3], ScalarType.Byte)
            .to(device ?? CPU)
            .permute(0, 3, 1, 2)
            .to_type(ScalarType.Float32)
            .div(127.5).sub(1)
            .contiguous();
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>Images from a tensor [B, 3, H, W] in [-1, 1]; values outside are clamped, then rounded.</summary>
    public static RgbImage[] FromTensor(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Expected [B, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        int b = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        var bytes = images.detach().to(CPU).to_type(ScalarType.Float32)
            .clamp(-1, 1).add(1).mul(127.5).round()
            .permute(0, 2, 3, 1).contiguous().to_type(ScalarType.Byte)
            .data<byte>().ToArray();
        var result = new RgbImage[b];
        for (int i = 0; i < b; i++) result[i] = new RgbImage(w, h, bytes.AsSpan(i * w * h * 3, w * h * 3));
        return result;
    }
}
