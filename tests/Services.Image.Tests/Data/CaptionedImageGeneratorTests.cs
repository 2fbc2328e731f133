using Media.Services.Image.Data;

namespace Media.Services.Image.Tests.Data;

public sealed class CaptionedImageGeneratorTests
{
    [Fact]
    public void The_same_seed_and_index_give_the_same_sample()
    {
        var a = new CaptionedImageGenerator(64, 42).Generate(DataSplit.Train, 17);
        var b = new CaptionedImageGenerator(64, 42).Generate(DataSplit.Train, 17);
        Assert.Equal(a.Caption, b.Caption);
        Assert.Equal(a.Prompt.Signature, b.Prompt.Signature);
        Assert.True(a.Image.Pixels.SequenceEqual(b.Image.Pixels));
    }

    [Fact]
    public void Different_seeds_give_different_data()
    {
        var a = new CaptionedImageGenerator(64, 1).Take(DataSplit.Train, 20).Select(s => s.Caption).ToArray();
        var b = new CaptionedImageGenerator(64, 2).Take(DataSplit.Train, 20).Select(s => s.Caption).ToArray();
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Held_out_attribute_combinations_never_occur_in_training()
    {
        var generator = new CaptionedImageGenerator(32, 3);
        var train = generator.Take(DataSplit.Train, 1500).Select(s => s.Prompt.Signature).ToHashSet();
        var heldOut = generator.Take(DataSplit.HeldOut, 300).ToArray();
        Assert.All(heldOut, s => Assert.Equal(DataSplit.HeldOut, PromptSplit.Of(s.Prompt)));
        Assert.All(heldOut, s => Assert.DoesNotContain(s.Prompt.Signature, train));
        // About one combination in ten is held out, so training does not starve.
        int drawn = 4000, held = 0;
        var rng = new Random(5);
        foreach (var sample in generator.Take(DataSplit.Train, 200)) Assert.Equal(DataSplit.Train, PromptSplit.Of(sample.Prompt));
        for (int i = 0; i < drawn; i++)
        {
            var scene = RandomScene(rng);
            if (PromptSplit.Of(CaptionComposer.Ask(CaptionTemplate.SizeColorShapeCell, scene)) == DataSplit.HeldOut) held++;
        }
        Assert.InRange(held / (double)drawn, 0.07, 0.13);
    }

    [Fact]
    public void A_relation_and_its_mirror_are_the_same_held_out_combination()
    {
        var red = Palette.ObjectColors[0];
        var blue = Palette.ObjectColors[4];
        var a = new PromptSpec([new PromptObject(ShapeKind.Circle, red, null, null), new PromptObject(ShapeKind.Star, blue, null, null)], SpatialRelation.LeftOf, null);
        var b = new PromptSpec([new PromptObject(ShapeKind.Star, blue, null, null), new PromptObject(ShapeKind.Circle, red, null, null)], SpatialRelation.RightOf, null);
        Assert.Equal(a.Signature, b.Signature);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    public void Objects_stay_inside_their_cells_and_relations_match_the_cells(int size)
    {
        double cell = size / 3.0;
        foreach (var sample in new CaptionedImageGenerator(size, 6).Take(DataSplit.Train, 200))
        {
            Assert.Equal(size, sample.Image.Width);
            Assert.Equal(size, sample.Image.Height);
            foreach (var o in sample.Scene.Objects)
            {
                double half = o.Extent / 2;
                Assert.InRange(o.CenterX - half, o.Cell.Column * cell, (o.Cell.Column + 1) * cell);
                Assert.InRange(o.CenterX + half, o.Cell.Column * cell, (o.Cell.Column + 1) * cell);
                Assert.InRange(o.CenterY - half, o.Cell.Row * cell, (o.Cell.Row + 1) * cell);
                Assert.InRange(o.CenterY + half, o.Cell.Row * cell, (o.Cell.Row + 1) * cell);
            }
            if (sample.Scene.Objects.Count == 2) Assert.NotEqual(sample.Scene.Objects[0].Cell, sample.Scene.Objects[1].Cell);
            if (sample.Prompt.Relation is { } relation)
            {
                var (a, b) = (sample.Scene.Objects[0].Cell, sample.Scene.Objects[1].Cell);
                int dc = a.Column - b.Column, dr = a.Row - b.Row;
                bool holds = relation switch
                {
                    SpatialRelation.LeftOf => dc < 0 && Math.Abs(dc) > Math.Abs(dr),
                    SpatialRelation.RightOf => dc > 0 && Math.Abs(dc) > Math.Abs(dr),
                    SpatialRelation.Above => dr < 0 && Math.Abs(dr) > Math.Abs(dc),
                    _ => dr > 0 && Math.Abs(dr) > Math.Abs(dc),
                };
                Assert.True(holds, $"{sample.Caption}: cells {a} and {b}");
                Assert.Contains(CaptionWords.Relation(relation), sample.Caption);
            }
        }
    }

    [Fact]
    public void Captions_name_exactly_what_the_prompt_asks()
    {
        foreach (var sample in new CaptionedImageGenerator(32, 8).Take(DataSplit.Train, 400))
        {
            var words = sample.Caption.Replace(":", "", StringComparison.Ordinal).Split(' ');
            var scene = sample.Scene;
            foreach (var (asked, drawn) in sample.Prompt.Objects.Zip(scene.Objects))
            {
                Assert.Equal(drawn.Shape, asked.Shape);
                Assert.True(words.Contains(CaptionWords.Shape(asked.Shape)) || words.Contains(CaptionWords.ShapePlural(asked.Shape)), sample.Caption);
                if (asked.Color is not null) Assert.Equal(drawn.Color, asked.Color);
                if (asked.Size is { } size) Assert.Equal(drawn.Size, size);
                if (asked.Cell is { } cell) Assert.Equal(drawn.Cell, cell);
            }
            bool anyColor = sample.Prompt.Objects.Any(o => o.Color is not null);
            Assert.Equal(anyColor, Palette.ObjectColors.Any(c => words.Contains(c.Name)));
            Assert.Equal(sample.Prompt.Objects.Any(o => o.Size is not null), words.Contains("small") || words.Contains("large"));
            Assert.Equal(sample.Prompt.Background is not null, words.Contains("background"));
            if (sample.Prompt.Background is { } bg) Assert.Equal(scene.Background, bg);
            Assert.All(words, w => Assert.Contains(w, CaptionWords.All));
        }
    }

    [Fact]
    public void Every_template_is_used()
    {
        var used = new CaptionedImageGenerator(32, 9).Take(DataSplit.Train, 300).Select(s => s.Template).ToHashSet();
        Assert.Equal(Enum.GetValues<CaptionTemplate>().Length, used.Count);
    }

    [Fact]
    public void Too_small_images_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CaptionedImageGenerator(16));
    }

    static Scene RandomScene(Random rng) => new(64, Palette.BackgroundColors[rng.Next(3)],
    [
        new SceneObject((ShapeKind)rng.Next(7), Palette.ObjectColors[rng.Next(8)], (SizeClass)rng.Next(2), GridCell.FromIndex(rng.Next(9)), 32, 32, 10),
    ]);
}
