using Media.Services.Image.Data;

namespace Media.Services.Image.Tests.Data;

public sealed class RenderingTests
{
    // Areas in the shape frame ([-1, 1] across the larger side), from geometry.
    [Theory]
    [InlineData(ShapeKind.Circle, Math.PI)]
    [InlineData(ShapeKind.Square, 4.0)]
    [InlineData(ShapeKind.Triangle, 2.0)]
    [InlineData(ShapeKind.Diamond, 2.0)]
    [InlineData(ShapeKind.Ring, Math.PI * 0.75)]
    [InlineData(ShapeKind.Cross, 2 * 2 * 0.68 - 0.68 * 0.68)]
    public void Supersampled_coverage_integrates_to_the_shape_area(ShapeKind shape, double area)
    {
        const int N = 200;
        double covered = 0, cell = 2.0 / N;
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                covered += ShapeGeometry.Coverage(shape, -1 + i * cell, -1 + j * cell, cell, cell, 4) * cell * cell;
        Assert.Equal(area, covered, 0.01 * area);
    }

    [Fact]
    public void Star_coverage_matches_the_shoelace_area_of_its_polygon()
    {
        // Independent construction of the same star: 10 vertices, radii 1 and 0.45, then width scaled to 2.
        var pts = Enumerable.Range(0, 10).Select(k =>
        {
            double a = -Math.PI / 2 + k * Math.PI / 5, r = k % 2 == 0 ? 1 : ShapeGeometry.StarInnerRadius;
            return (X: r * Math.Cos(a), Y: r * Math.Sin(a));
        }).ToArray();
        double shoelace = 0;
        for (int i = 0; i < 10; i++) shoelace += pts[i].X * pts[(i + 1) % 10].Y - pts[(i + 1) % 10].X * pts[i].Y;
        double width = pts.Max(p => p.X) - pts.Min(p => p.X);
        double area = Math.Abs(shoelace) / 2 * (2 / width) * (2 / width);

        const int N = 200;
        double covered = 0, cell = 2.0 / N;
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                covered += ShapeGeometry.Coverage(ShapeKind.Star, -1 + i * cell, -1 + j * cell, cell, cell, 4) * cell * cell;
        Assert.Equal(area, covered, 0.01 * area);
    }

    [Fact]
    public void Rendering_is_anti_aliased_inside_outside_and_on_the_edge()
    {
        var red = Palette.ObjectColors[0];
        var gray = Palette.BackgroundColors[0];
        // A square from x = 10.5 to 21.5: column 10 is half covered.
        var image = SceneRenderer.Render(new Scene(64, gray, [new SceneObject(ShapeKind.Square, red, SizeClass.Large, new GridCell(0, 0), 16, 16, 11)]));
        Assert.Equal((red.R, red.G, red.B), image[16, 16]);
        Assert.Equal((gray.R, gray.G, gray.B), image[40, 40]);
        Assert.Equal((gray.R, gray.G, gray.B), image[9, 16]);
        var edge = image[10, 16];
        Assert.Equal((byte)Math.Round(gray.R + (red.R - gray.R) * 0.5), edge.R);
        Assert.Equal((byte)Math.Round(gray.G + (red.G - gray.G) * 0.5), edge.G);
    }

    [Fact]
    public void Palette_colours_are_well_separated_from_each_other_and_from_backgrounds()
    {
        var objects = Palette.ObjectColors;
        for (int i = 0; i < objects.Count; i++)
        {
            for (int j = i + 1; j < objects.Count; j++) Assert.True(objects[i].DistanceTo(objects[j]) >= 85, $"{objects[i]} vs {objects[j]}");
            foreach (var bg in Palette.BackgroundColors) Assert.True(objects[i].DistanceTo(bg) >= 85, $"{objects[i]} vs {bg}");
        }
        Assert.Equal(objects.Count, objects.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void Png_round_trip_is_lossless()
    {
        var image = new CaptionedImageGenerator(64, 1).Generate(DataSplit.Train, 0).Image;
        var png = image.EncodePng();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4).ToArray());
        var decoded = RgbImage.Decode(png);
        Assert.Equal((64, 64), (decoded.Width, decoded.Height));
        Assert.True(image.Pixels.SequenceEqual(decoded.Pixels));
    }

    [Fact]
    public void Tensor_round_trip_is_lossless_and_in_minus_one_to_one()
    {
        var images = new CaptionedImageGenerator(32, 1).Take(DataSplit.Train, 3).Select(s => s.Image).ToArray();
        using var t = ImageTensors.ToTensor(images);
        Assert.Equal(new long[] { 3, 3, 32, 32 }, t.shape);
        Assert.True(t.min().item<float>() >= -1 && t.max().item<float>() <= 1);
        var back = ImageTensors.FromTensor(t);
        for (int i = 0; i < 3; i++) Assert.True(images[i].Pixels.SequenceEqual(back[i].Pixels));
    }

    [Fact]
    public void Wrong_pixel_counts_are_rejected_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => new RgbImage(4, 4, new byte[10]));
        Assert.Contains("48", error.Message);
    }
}
