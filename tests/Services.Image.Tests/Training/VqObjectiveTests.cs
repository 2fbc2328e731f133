using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Training;

[Collection(nameof(SingleThreadedTorch))]
public sealed class VqObjectiveTests
{
    internal static readonly VqConfig Small = new()
    {
        CodebookSize = 32,
        Channels = 32,
        EncoderChannelMultipliers = [1, 1],
        DecoderChannelMultipliers = [1, 1],
        ZChannels = 32,
        ResBlocks = 1,
    };

    static BatchPosition At(long step, int micro = 0) => new(1, step, micro, 1, CPU);

    [Fact]
    public void Reconstruction_loss_is_weighted_l1_l2_and_image_gradient_error()
    {
        using var scope = NewDisposeScope();
        using var model = new VqModel(Small);
        var objective = new VqObjective(model, new VqObjectiveOptions { L1Weight = 0.7, L2Weight = 1.3, GradientWeight = 0.4 });
        var x = rand(2, 3, 4, 5, generator: new Generator(1));
        var y = rand(2, 3, 4, 5, generator: new Generator(2));

        double actual = objective.ReconstructionLoss(x, y).item<float>();

        var xs = x.data<float>().ToArray();
        var ys = y.data<float>().ToArray();
        double E(int b, int c, int i, int j) => ys[((b * 3 + c) * 4 + i) * 5 + j] - xs[((b * 3 + c) * 4 + i) * 5 + j];
        double l1 = 0, l2 = 0, dx = 0, dy = 0;
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 5; j++)
                    {
                        l1 += Math.Abs(E(b, c, i, j));
                        l2 += E(b, c, i, j) * E(b, c, i, j);
                        if (j < 4) dx += Math.Abs(E(b, c, i, j + 1) - E(b, c, i, j));
                        if (i < 3) dy += Math.Abs(E(b, c, i + 1, j) - E(b, c, i, j));
                    }
        double expected = 0.7 * l1 / 120 + 1.3 * l2 / 120 + 0.4 * (dx / 96 + dy / 90);
        Assert.Equal(expected, actual, 1e-5);
    }

    // An 8x8 scene: background (-0.5, 0.2, 0.9) with a 2x2 object of colour (0.8, -0.6, 0.1) at rows 3-4, columns 2-3.
    static Tensor SceneWithObject()
    {
        var images = tensor(new float[] { -0.5f, 0.2f, 0.9f }).reshape(1, 3, 1, 1).expand(1, 3, 8, 8).contiguous();
        images[.., .., 3..5, 2..4] = tensor(new float[] { 0.8f, -0.6f, 0.1f }).reshape(1, 3, 1, 1);
        return images;
    }

    [Fact]
    public void Object_weight_multiplies_the_error_of_pixels_away_from_the_border_colour()
    {
        using var scope = NewDisposeScope();
        using var model = new VqModel(Small);
        var objective = new VqObjective(model, new VqObjectiveOptions { L1Weight = 1, L2Weight = 0, GradientWeight = 0, ObjectWeight = 4 });
        var images = SceneWithObject();
        var onObject = images.clone();
        onObject[.., .., 3..5, 2..4] += 0.5f;
        var onBackground = images.clone();
        onBackground[.., .., 0..2, 6..8] += 0.5f;

        // L1 is the mean over 3 x 64 values of weight x |error|; 4 pixels x 3 channels are off by 0.5.
        Assert.Equal(5 * 0.5 * 12 / 192, objective.ReconstructionLoss(images, onObject).item<float>(), 1e-6);
        Assert.Equal(1 * 0.5 * 12 / 192, objective.ReconstructionLoss(images, onBackground).item<float>(), 1e-6);
        var weights = objective.PixelWeights(images);
        Assert.Equal(new long[] { 1, 1, 8, 8 }, weights.shape);
        Assert.Equal(4 * 5 + 60 * 1, weights.sum().item<float>(), 1e-5);
    }

    [Fact]
    public void Object_margin_prices_a_speck_beside_the_object_as_an_error_on_it()
    {
        using var scope = NewDisposeScope();
        using var model = new VqModel(Small);
        var options = new VqObjectiveOptions { L1Weight = 1, L2Weight = 0, GradientWeight = 0, ObjectWeight = 4 };
        var plain = new VqObjective(model, options);
        var margined = new VqObjective(model, options with { ObjectMargin = 1 });
        // A speck one pixel above right of the object, one far away.
        var images = SceneWithObject();
        var besideIt = images.clone();
        besideIt[.., .., 2, 4] += 0.5f;
        var farAway = images.clone();
        farAway[.., .., 7, 7] += 0.5f;

        Assert.Equal(1 * 0.5 * 3 / 192, plain.ReconstructionLoss(images, besideIt).item<float>(), 1e-6);
        Assert.Equal(5 * 0.5 * 3 / 192, margined.ReconstructionLoss(images, besideIt).item<float>(), 1e-6);
        Assert.Equal(1 * 0.5 * 3 / 192, margined.ReconstructionLoss(images, farAway).item<float>(), 1e-6);
        // The 2x2 object grown by one pixel on every side: a 4x4 square of weight 5.
        Assert.Equal(16 * 5 + 48 * 1, margined.PixelWeights(images).sum().item<float>(), 1e-5);
        Assert.Throws<ArgumentException>(() => new VqObjective(model, options with { ObjectMargin = -1 }));
    }

    [Fact]
    public void Negative_object_weight_is_rejected()
    {
        using var model = new VqModel(Small);
        Assert.Throws<ArgumentException>(() => new VqObjective(model, new VqObjectiveOptions { ObjectWeight = -1 }));
    }

    [Fact]
    public void Loss_is_reconstruction_plus_quantizer_loss()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new VqModel(Small);
        model.eval();
        var objective = new VqObjective(model);
        var images = rand(2, 3, 8, 8, generator: new Generator(4)) * 2 - 1;

        double loss = objective.Loss(new VqTrainingBatch(images, At(0))).item<float>();

        var (reconstruction, quantized) = model.call(images);
        double expected = objective.ReconstructionLoss(images, reconstruction).add(quantized.Loss).item<float>();
        Assert.Equal(expected, loss, 1e-5);
    }

    [Fact]
    public void Dead_codes_restart_only_at_due_steps_after_a_full_interval()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new VqModel(Small);
        model.train();
        var objective = new VqObjective(model, new VqObjectiveOptions { RestartEvery = 3, RestartUntil = 7 });
        var images = rand(1, 3, 4, 4, generator: new Generator(6)) * 2 - 1;
        var restartsAfterStep = new List<int>();
        for (long step = 0; step < 10; step++)
        {
            using var stepScope = NewDisposeScope();
            objective.Loss(new VqTrainingBatch(images, At(step)));
            objective.Loss(new VqTrainingBatch(images, At(step, micro: 1)));   // never restarts
            restartsAfterStep.Add(objective.Restarts);
        }
        // Due at steps 3 and 6; 9 lies past RestartUntil.
        Assert.Equal([0, 0, 0, 1, 1, 1, 2, 2, 2, 2], restartsAfterStep);
        // A 4-pixel image picks at most 4 of 32 codes per interval, so at least 28 move each time.
        Assert.InRange(objective.RestartedCodes, 56, 64);

        // A resumed objective waits for a whole interval of usage before judging codes dead.
        var resumed = new VqObjective(model, new VqObjectiveOptions { RestartEvery = 3 });
        foreach (long step in new long[] { 5, 6, 7, 8, 9 }) resumed.Loss(new VqTrainingBatch(images, At(step)));
        Assert.Equal(1, resumed.Restarts);
    }

    [Fact]
    public void Training_batches_depend_on_the_position_alone()
    {
        using var scope = NewDisposeScope();
        var data = new VqTrainingImages(new CaptionedImageGenerator(32, seed: 3), batchSize: 2);
        var a = data.Batch(At(4));
        var b = new VqTrainingImages(new CaptionedImageGenerator(32, seed: 3), batchSize: 2).Batch(At(4));
        var other = data.Batch(At(5));

        Assert.Equal(new long[] { 2, 3, 32, 32 }, a.Images.shape);
        Assert.True(a.Images.eq(b.Images).all().item<bool>());
        Assert.False(a.Images.eq(other.Images).all().item<bool>());
        Assert.InRange(a.Images.min().item<float>(), -1f, 1f);
        Assert.InRange(a.Images.max().item<float>(), -1f, 1f);
        // Micro-batch i holds train samples i*B .. i*B + B - 1.
        var expected = ImageTensors.ToTensor([.. new CaptionedImageGenerator(32, seed: 3).Take(DataSplit.Train, 2, 8).Select(s => s.Image)]);
        Assert.True(a.Images.eq(expected).all().item<bool>());
    }
}
