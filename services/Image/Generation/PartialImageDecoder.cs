using Media.Modeling.Devices;
using Media.Services.Image.Data;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Generation;

/// <summary>
/// Previews of an image being generated: the code rows known so far go through the VQ decoder (unknown codes are
/// filled with code 0 only to give the decoder a full grid) and every pixel row below the known code rows is
/// painted flat gray, so the ungenerated area is visibly blank.
/// </summary>
public sealed class PartialImageDecoder(VqModel vq)
{
    /// <summary>The gray of the ungenerated area.</summary>
    public const byte Blank = 128;

    /// <summary>An image from a code grid [G, G] of which the first <paramref name="knownRows"/> rows are real.</summary>
    public RgbImage Decode(long[,] codes, int knownRows)
    {
        ArgumentNullException.ThrowIfNull(codes);
        int g = codes.GetLength(0);
        if (codes.GetLength(1) != g) throw new ArgumentException("The code grid must be square.", nameof(codes));
        ArgumentOutOfRangeException.ThrowIfNegative(knownRows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(knownRows, g);
        var flat = new long[g * g];
        for (int y = 0; y < knownRows; y++)
            for (int x = 0; x < g; x++)
                flat[y * g + x] = codes[y, x];
        RgbImage image;
        using (FinalizerGate.Enter())
        using (var scope = NewDisposeScope())
        {
            var device = vq.Quantizer.parameters().First().device;
            var ids = tensor(flat, ScalarType.Int64, device).view(1, g, g);
            image = ImageTensors.FromTensor(vq.Decode(ids).cpu())[0];
        }
        int known = knownRows * image.Height / g;
        var pixels = image.Pixels;
        for (int i = known * image.Width * 3; i < pixels.Length; i++) pixels[i] = Blank;
        return image;
    }
}
