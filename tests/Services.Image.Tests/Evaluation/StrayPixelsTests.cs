using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;

namespace Media.Services.Image.Tests.Evaluation;

/// <summary>
/// `media eval image-vq` counts the pixels a reconstruction paints over background and where they sit around the objects,
/// so a systematic speck (image-vq's, above right of objects) shows as a number a retrained tokenizer must bring down.
/// </summary>
public sealed class StrayPixelsTests
{
    // A red 10x10 square centred at (32, 32) on grey.
    static RgbImage Scene()
    {
        var image = RgbImage.Filled(64, 64, 128, 128, 128);
        Paint(image, 27, 27, 10, 10, (220, 40, 40));
        return image;
    }

    static void Paint(RgbImage image, int x0, int y0, int w, int h, (byte R, byte G, byte B) colour)
    {
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++)
                image[x, y] = colour;
    }

    static RgbImage Copy(RgbImage image) => new(image.Width, image.Height, image.Pixels);

    [Fact]
    public void A_faithful_reconstruction_has_none()
    {
        var strays = StrayPixels.Measure(Scene(), Scene());
        Assert.Equal(0, strays.Count);
        Assert.Equal(0, strays.PerImage);
    }

    [Fact]
    public void A_speck_above_right_of_the_object_is_counted_in_that_quadrant()
    {
        var reconstruction = Copy(Scene());
        Paint(reconstruction, 42, 20, 2, 2, (40, 200, 40));
        var strays = StrayPixels.Measure(Scene(), reconstruction);
        Assert.Equal(new StrayPixels(1, 4, 4, 0, 0, 0), strays);
        Assert.Equal((1.0, 0.0, 0.0, 0.0), strays.Shares());
    }

    [Fact]
    public void A_speck_below_left_lands_in_its_own_quadrant()
    {
        var reconstruction = Copy(Scene());
        Paint(reconstruction, 18, 44, 3, 1, (40, 40, 200));
        Assert.Equal(new StrayPixels(1, 3, 0, 0, 3, 0), StrayPixels.Measure(Scene(), reconstruction));
    }

    [Fact]
    public void Edges_grown_within_reach_are_not_strays()
    {
        // The square painted 2 px larger on every side: a soft or swollen edge, not a speck.
        var reconstruction = Copy(Scene());
        Paint(reconstruction, 27 - StrayPixels.Reach, 27 - StrayPixels.Reach, 10 + 2 * StrayPixels.Reach, 10 + 2 * StrayPixels.Reach, (220, 40, 40));
        Assert.Equal(0, StrayPixels.Measure(Scene(), reconstruction).Count);
        // One pixel farther out on the right is.
        Paint(reconstruction, 37 + StrayPixels.Reach, 32, 1, 1, (220, 40, 40));
        Assert.Equal(1, StrayPixels.Measure(Scene(), reconstruction).Count);
    }

    [Fact]
    public void Sums_add_up_over_images()
    {
        var speck = Copy(Scene());
        Paint(speck, 42, 20, 2, 2, (40, 200, 40));
        var total = StrayPixels.None.Add(StrayPixels.Measure(Scene(), speck)).Add(StrayPixels.Measure(Scene(), Scene()));
        Assert.Equal(2, total.Images);
        Assert.Equal(2.0, total.PerImage);
    }

    [Fact]
    public void Images_of_different_sizes_are_refused()
        => Assert.Throws<ArgumentException>(() => StrayPixels.Measure(Scene(), RgbImage.Filled(32, 32, 128, 128, 128)));
}
