using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;

namespace Media.Services.Image.Tests.Evaluation;

/// <summary>
/// `media eval image-dar --layout-n N` measures D-AR's layout control as the share of generated objects that sit in the
/// reference scene's cell: the pairs must leave the layout to the reference, and the share must follow where objects are drawn.
/// </summary>
public sealed class LayoutControlTests
{
    static readonly CaptionedImageGenerator Data = new(64);

    static RgbImage Draw(params GridCell[] cells) => SceneRenderer.Render(new Scene(64, Palette.BackgroundColors[0],
        [.. cells.Select(c => new SceneObject(ShapeKind.Square, Palette.ObjectColors[0], SizeClass.Large, c, 10.5 + 21 * c.Column, 10.5 + 21 * c.Row, 12))]));

    [Fact]
    public void Prompts_ask_for_one_object_anywhere_and_references_draw_one_object_elsewhere_in_the_split()
    {
        var pairs = LayoutControl.Pairs(Data, 12);

        Assert.Equal(12, pairs.Count);
        Assert.All(pairs, p =>
        {
            Assert.Equal(DataSplit.HeldOut, p.Prompt.Split);
            Assert.Single(p.Prompt.Prompt.Objects);
            Assert.Null(p.Prompt.Prompt.Objects[0].Cell);
            Assert.Single(p.Reference.Scene.Objects);
            Assert.True(p.Reference.Index >= LayoutControl.ReferenceStart);
        });
        Assert.Equal(12, pairs.Select(p => p.Prompt.Index).Distinct().Count());
        Assert.Equal(12, pairs.Select(p => p.Reference.Index).Distinct().Count());
        // The references spread over the grid, so a generator that ignores them lands in their cell only by chance.
        Assert.True(pairs.Select(p => p.Reference.Scene.Objects[0].Cell).Distinct().Count() >= 4);
        Assert.Equal(pairs.Select(p => p.Prompt.Index), LayoutControl.Pairs(Data, 12).Select(p => p.Prompt.Index));
    }

    [Fact]
    public void Counts_the_objects_found_in_the_reference_cell()
    {
        var topLeft = new GridCell(0, 0);
        var centre = new GridCell(1, 1);

        var share = LayoutControl.Measure([(Draw(topLeft), topLeft), (Draw(centre), topLeft), (Draw(topLeft, new GridCell(2, 2)), topLeft)]);

        Assert.Equal(new CellShare(4, 2), share);
        Assert.Equal(0.5, share.Share);
    }

    [Fact]
    public void An_image_with_no_object_found_gives_no_share()
    {
        var share = LayoutControl.Measure([(Draw(), new GridCell(0, 0))]);

        Assert.Equal(new CellShare(0, 0), share);
        Assert.Null(share.Share);
    }
}
