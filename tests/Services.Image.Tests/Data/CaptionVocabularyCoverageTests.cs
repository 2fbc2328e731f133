using Media.Services.Image.Data;
using Media.Tokenizers.Text;

namespace Media.Services.Image.Tests.Data;

/// <summary>The compact caption vocabulary built from <see cref="CaptionWords.All"/> covers every caption the generator writes.</summary>
public sealed class CaptionVocabularyCoverageTests
{
    static readonly CaptionVocabulary Vocabulary = CaptionVocabulary.FromWords(CaptionWords.All);

    [Fact]
    [Slow("every caption variant, exhaustively")]
    public void Every_template_variant_with_every_word_in_every_slot_encodes_without_unknowns()
    {
        var shapes = Enum.GetValues<ShapeKind>();
        int checkedCaptions = 0;
        foreach (var template in Enum.GetValues<CaptionTemplate>())
        {
            // Cycle every slot through all its values (pre-tokenisation makes each word's ids independent of its neighbours).
            for (int k = 0; k < 9 * 8 * 7 * 2 * 3; k++)
            {
                var cell0 = GridCell.FromIndex(k % 9);
                bool related = template is CaptionTemplate.Relation or CaptionTemplate.SizedRelation or CaptionTemplate.RelationBackground;
                var cell1 = related
                    ? GridCell.All.Where(c => cell0.RelationTo(c) == (SpatialRelation)(k / 9 % 4)).Select(c => (GridCell?)c).FirstOrDefault()
                    : GridCell.FromIndex((k + 4) % 9);
                if (cell1 is null) continue;
                var o0 = new SceneObject(shapes[k % 7], Palette.ObjectColors[k % 8], (SizeClass)(k % 2), cell0, 0, 0, 1);
                var o1 = new SceneObject(shapes[(k + 3) % 7], Palette.ObjectColors[(k + 5) % 8], (SizeClass)((k + 1) % 2), cell1.Value, 0, 0, 1);
                var scene = new Scene(64, Palette.BackgroundColors[k % 3], CaptionComposer.ObjectCount(template) == 1 ? [o0] : [o0, o1]);
                var prompt = CaptionComposer.Ask(template, scene);
                for (int v = 0; v < CaptionComposer.VariantCount(template); v++)
                {
                    var caption = CaptionComposer.Compose(template, v, prompt);
                    var ids = Vocabulary.Encode(caption);
                    Assert.DoesNotContain(CaptionVocabulary.Unknown, ids);
                    Assert.Equal(caption, Vocabulary.Decode(ids));
                    checkedCaptions++;
                }
            }
        }
        Assert.True(checkedCaptions > 10_000);
    }

    [Fact]
    public void Generated_captions_encode_without_unknowns_and_fit_in_32_tokens()
    {
        foreach (var sample in new CaptionedImageGenerator(32, 1).Take(DataSplit.Train, 300).Concat(new CaptionedImageGenerator(32, 1).Take(DataSplit.HeldOut, 100)))
        {
            var ids = Vocabulary.Encode(sample.Caption);
            Assert.DoesNotContain(CaptionVocabulary.Unknown, ids);
            Assert.True(ids.Count <= 32, $"{ids.Count} tokens: {sample.Caption}");
        }
        Assert.InRange(Vocabulary.VocabularySize, 30, 120);
    }
}
