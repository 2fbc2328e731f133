using Media.Services.Image.Data;
using Media.Services.Image.Evaluation;

namespace Media.Services.Image.Tests.Evaluation;

public sealed class PromptEvaluatorTests
{
    static readonly NamedColor Red = Palette.ObjectColors.Single(c => c.Name == "red");
    static readonly NamedColor Blue = Palette.ObjectColors.Single(c => c.Name == "blue");
    static readonly NamedColor Gray = Palette.BackgroundColors.Single(c => c.Name == "gray");

    static RgbImage RedCircleLeftOfBlueSquare() => SceneRenderer.Render(new Scene(64, Gray,
    [
        new SceneObject(ShapeKind.Circle, Red, SizeClass.Large, new GridCell(1, 0), 10.7, 32, 17),
        new SceneObject(ShapeKind.Square, Blue, SizeClass.Small, new GridCell(1, 2), 53.3, 32, 10.7),
    ]));

    [Fact]
    public void Analysis_finds_both_objects_with_their_attributes()
    {
        var analysis = ImageAnalyzer.Analyze(RedCircleLeftOfBlueSquare());
        Assert.Equal(Gray, analysis.Background);
        Assert.Equal(2, analysis.Objects.Count);
        var circle = analysis.Objects[0];
        var square = analysis.Objects[1];
        Assert.Equal((ShapeKind.Circle, Red, SizeClass.Large, new GridCell(1, 0)), (circle.Shape, circle.Color, circle.Size, circle.Cell));
        Assert.Equal((ShapeKind.Square, Blue, SizeClass.Small, new GridCell(1, 2)), (square.Shape, square.Color, square.Size, square.Cell));
        // Coverage-weighted area of a disc of diameter 17 is pi * 8.5^2 = 227.
        Assert.InRange(circle.Area, 227 * 0.97, 227 * 1.03);
        Assert.Equal(10.7, circle.CentroidX, 0.1);
        Assert.Equal(SpatialRelation.LeftOf, circle.RelationTo(square));
    }

    [Fact]
    public void A_wrong_colour_fails_only_the_colour_check()
    {
        var prompt = new PromptSpec(
            [new PromptObject(ShapeKind.Circle, Blue, null, null), new PromptObject(ShapeKind.Square, Blue, null, null)],
            SpatialRelation.LeftOf, null);
        var result = PromptEvaluator.Evaluate(RedCircleLeftOfBlueSquare(), prompt);
        Assert.False(result.Correct);
        Assert.False(result.Checks[Criterion.Color]);
        Assert.True(result.Checks[Criterion.Shape]);
        Assert.True(result.Checks[Criterion.Relation]);
        Assert.True(result.Checks[Criterion.Count]);
        Assert.False(result.Checks.ContainsKey(Criterion.Position));
    }

    [Fact]
    public void The_reversed_relation_fails_and_the_stated_one_passes()
    {
        PromptSpec Prompt(SpatialRelation r) => new(
            [new PromptObject(ShapeKind.Circle, Red, null, null), new PromptObject(ShapeKind.Square, Blue, null, null)], r, null);
        Assert.True(PromptEvaluator.Evaluate(RedCircleLeftOfBlueSquare(), Prompt(SpatialRelation.LeftOf)).Correct);
        Assert.False(PromptEvaluator.Evaluate(RedCircleLeftOfBlueSquare(), Prompt(SpatialRelation.RightOf)).Correct);
        Assert.False(PromptEvaluator.Evaluate(RedCircleLeftOfBlueSquare(), Prompt(SpatialRelation.Above)).Correct);
    }

    [Fact]
    public void A_missing_object_fails_count_and_its_own_checks()
    {
        var prompt = new PromptSpec([new PromptObject(ShapeKind.Circle, Red, null, new GridCell(1, 0))], null, null);
        var onlyBackground = RgbImage.Filled(64, 64, Gray.R, Gray.G, Gray.B);
        var result = PromptEvaluator.Evaluate(onlyBackground, prompt);
        Assert.False(result.Checks[Criterion.Count]);
        Assert.False(result.Checks[Criterion.Shape]);
        Assert.False(result.Checks[Criterion.Color]);
        Assert.False(result.Checks[Criterion.Position]);
    }

    [Fact]
    public void Non_square_images_and_empty_prompts_are_rejected_with_a_clear_message()
    {
        var wide = new RgbImage(64, 32);
        var prompt = new PromptSpec([new PromptObject(ShapeKind.Circle, null, null, null)], null, null);
        Assert.Contains("square", Assert.Throws<ArgumentException>(() => PromptEvaluator.Evaluate(wide, prompt)).Message);
        Assert.Throws<ArgumentException>(() => PromptEvaluator.Evaluate(new RgbImage(64, 64), new PromptSpec([], null, null)));
    }

    [Fact]
    public void Report_prints_each_asked_criterion_and_overall()
    {
        var report = new EvaluationReport();
        report.Add(new SampleEvaluation(new Dictionary<Criterion, bool> { [Criterion.Count] = true, [Criterion.Color] = true, [Criterion.Shape] = false },
            new ImageAnalysis(Gray, [])));
        report.Add(new SampleEvaluation(new Dictionary<Criterion, bool> { [Criterion.Count] = true, [Criterion.Color] = false, [Criterion.Shape] = true },
            new ImageAnalysis(Gray, [])));
        Assert.Equal(0.5, report.Accuracy(Criterion.Color));
        Assert.Null(report.Accuracy(Criterion.Position));
        Assert.Equal(0, report.Overall);
        var text = report.ToString();
        Assert.Contains("colour accuracy: 0.500", text);
        Assert.Contains("shape accuracy: 0.500", text);
        Assert.EndsWith("overall: 0.000 (n=2)", text);
    }
}
