using Media.Modeling.Training;
using Media.Services.Image.Data;
using Media.Services.Image.Training;
using Media.Services.Image.Training.Adversarial;
using Media.Services.Image.Training.Perceptual;
using Media.Tokenizers.Image;
using static TorchSharp.torch;

namespace Media.Services.Image.Tests.Training;

[Collection(nameof(SingleThreadedTorch))]
public sealed class VqGanObjectiveTests
{
    static VqConfig Small => VqObjectiveTests.Small;

    static BatchPosition At(long step) => new(1, step, 0, 1, CPU);

    static Tensor Images(int seed, int size = 16) => rand(2, 3, size, size, generator: new Generator((ulong)seed)) * 2 - 1;

    static SceneFeatureNet Features() => new(new SceneFeatureConfig().ShapeClasses, new SceneFeatureConfig().ColourClasses);

    [Fact]
    public void The_patch_discriminator_gives_one_logit_per_patch_under_llamagen_keys()
    {
        using var scope = NewDisposeScope();
        using var d = new PatchDiscriminator(channels: 8, layers: 2);
        Assert.Equal(new long[] { 2, 1, 14, 14 }, d.call(Images(1, 64)).shape);
        var keys = d.state_dict().Keys.ToHashSet();
        // LlamaGen's PatchGANDiscriminator: main.0 conv, main.2/5 convs without bias, main.3/6 BatchNorm, main.8 the logit conv.
        Assert.Contains("main.0.weight", keys);
        Assert.Contains("main.3.running_mean", keys);
        Assert.Contains("main.8.bias", keys);
        Assert.DoesNotContain("main.2.bias", keys);
    }

    [Fact]
    public void Each_side_gets_only_its_own_gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = new VqModel(Small);
        using var d = new PatchDiscriminator(channels: 8, layers: 1);
        model.train();
        d.train();
        var objective = new VqObjective(model, new VqObjectiveOptions { DiscriminatorStart = 0 }, discriminator: d);
        var images = Images(3);

        // The whole loss minus the discriminator's hinge: what the tokenizer's parameters must see.
        objective.Loss(new VqTrainingBatch(images, At(0))).backward();
        var dGrads = d.parameters().Select(p => p.grad!.clone()).ToList();
        var vqGrads = model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.clone()).ToList();
        Assert.NotNull(objective.LastAdversarialLosses);

        // The discriminator's gradient is that of its hinge alone: the generator's term never reaches its weights.
        foreach (var p in d.parameters()) p.grad!.zero_();
        foreach (var p in model.parameters()) p.grad?.zero_();
        var reconstruction = model.DecodeLatents(model.Quantizer.call(model.EncodeLatents(images)).Quantized).detach();
        var hinge = nn.functional.relu(1.0 - d.call(images)).mean() + nn.functional.relu(1.0 + d.call(reconstruction)).mean();
        hinge.backward();
        for (int i = 0; i < dGrads.Count; i++)
            Assert.True(dGrads[i].allclose(d.parameters().ElementAt(i).grad!, rtol: 1e-4, atol: 1e-6), $"discriminator parameter {i}");
        // ... and the hinge's backward leaves the tokenizer untouched.
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0));
        Assert.Contains(vqGrads, g => g.abs().max().item<float>() > 0);
        Assert.All(d.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Before_its_start_the_discriminator_adds_nothing()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new VqModel(Small);
        using var d = new PatchDiscriminator(channels: 8, layers: 1);
        model.train();
        var plain = new VqObjective(model);
        var withGan = new VqObjective(model, new VqObjectiveOptions { DiscriminatorStart = 10 }, discriminator: d);
        var images = Images(5);
        double expected = plain.Loss(new VqTrainingBatch(images, At(9))).item<float>();
        double got = withGan.Loss(new VqTrainingBatch(images, At(9))).item<float>();
        Assert.Equal(expected, got, 1e-5);
        Assert.Null(withGan.LastAdversarialLosses);
    }

    [Fact]
    public void The_adaptive_weight_is_the_ratio_of_gradient_norms_at_the_last_layer()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var model = new VqModel(Small);
        var objective = new VqObjective(model);
        var images = Images(7);
        var reconstruction = model.DecodeLatents(model.EncodeLatents(images));
        var nll = (reconstruction - images).abs().mean();
        var g = -(3.0 * reconstruction).mean();

        double weight = objective.AdaptiveWeight(nll, g);

        var last = model.named_parameters().Single(p => p.name == VqObjective.LastLayerKey).parameter;
        var a = autograd.grad([nll], [last], retain_graph: true)[0].norm().item<float>();
        var b = autograd.grad([g], [last], retain_graph: true)[0].norm().item<float>();
        Assert.Equal(a / (b + 1e-4), weight, 1e-4);
        // A generator term with no gradient divides by 1e-4 only, and the ratio is clamped at 1e4.
        Assert.Equal(a / 1e-4, objective.AdaptiveWeight(nll, 0.0 * reconstruction.sum()), 1e-2);
        Assert.Equal(1e4, objective.AdaptiveWeight(1e4 * nll, 0.0 * reconstruction.sum()), 1e-6);
    }

    [Fact]
    public void The_perceptual_distance_is_zero_for_the_same_image_and_moves_only_the_reconstruction()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var net = Features();
        var distance = new PerceptualDistance(net);
        var images = Images(9, 64);
        Assert.Equal(0, distance.Distance(images, images.clone()).item<float>(), 1e-6);

        var reconstruction = (images + 0.3 * Images(10, 64)).requires_grad_(true);
        var d = distance.Distance(images, reconstruction);
        Assert.True(d.item<float>() > 0);
        d.backward();
        Assert.True(reconstruction.grad!.abs().max().item<float>() > 0);
        Assert.All(net.parameters(), p => Assert.True(p.grad is null && !p.requires_grad));
    }

    [Fact]
    public void Scene_feature_targets_name_each_cells_shape_and_colour()
    {
        using var scope = NewDisposeScope();
        var options = new TrainerOptions { RunDirectory = Path.Combine(Path.GetTempPath(), "sf-" + Guid.NewGuid().ToString("N")), TotalSteps = 1 };
        try
        {
            using var training = new SceneFeatureTraining(batch: 4, dataSeed: 0, options, CPU);
            var batch = training.Batch(DataSplit.HeldOut, 0, 4, CPU);
            var scenes = new CaptionedImageGenerator(64, 0).Take(DataSplit.HeldOut, 4).ToList();
            for (int i = 0; i < 4; i++)
            {
                var occupied = scenes[i].Scene.Objects.Select(o => o.Cell.Index).ToHashSet();
                for (int cell = 0; cell < 9; cell++)
                {
                    long shape = batch.Shapes[i, cell].item<long>(), colour = batch.Colours[i, cell].item<long>();
                    if (!occupied.Contains(cell)) { Assert.Equal(0, shape); Assert.Equal(0, colour); continue; }
                    var o = scenes[i].Scene.Objects.First(x => x.Cell.Index == cell);
                    Assert.Equal((long)o.Shape + 1, shape);
                    Assert.Equal(o.Color.Name, Palette.ObjectColors[(int)colour - 1].Name);
                }
            }
            Assert.Equal(new long[] { 4, training.Model.ShapeClasses + training.Model.ColourClasses, 3, 3 }, training.Model.call(batch.Images).shape);
        }
        finally
        {
            Directory.Delete(options.RunDirectory, recursive: true);
        }
    }
}
