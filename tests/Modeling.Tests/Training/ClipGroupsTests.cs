using Media.Modeling.Tests.Checkpoints;
using Media.Modeling.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

[Collection(SingleThreadedTorch.Name)]
public sealed class ClipGroupsTests
{
    sealed class TwoNetworks : nn.Module
    {
        readonly Parameter a;
        readonly Parameter b;

        public TwoNetworks() : base(nameof(TwoNetworks))
        {
            a = new Parameter(ones(4));
            b = new Parameter(ones(4));
            RegisterComponents();
        }

        // a's gradient has norm 0.5 * 2 = 1 x 0.5; b's is 100 times larger.
        public Tensor Loss() => (a * 0.25).sum() + (b * 50).sum();

        public Tensor GradA => a.grad!;
    }

    static double GradientNormOfAAfterOneStep(IReadOnlyList<string>? groups)
    {
        using var dir = new TempDirectory();
        using var model = new TwoNetworks();
        var options = new TrainerOptions { RunDirectory = dir.Path, TotalSteps = 1, WarmupSteps = 0, MaxGradNorm = 1.0, ClipGroups = groups, CheckpointEvery = 1000, Seed = 1 };
        using var trainer = new Trainer<int>(model, _ => 0, _ => model.Loss(), options);
        trainer.Run();
        return model.GradA.norm().item<float>();
    }

    [Fact]
    public void Each_clip_group_is_clipped_alone_so_a_large_gradient_does_not_shrink_the_other_networks()
    {
        // Together, b's gradient (norm 100) scales a's (norm 0.5) down 200-fold; apart, a's is under the limit and kept.
        Assert.Equal(0.5 / Math.Sqrt(0.25 + 10_000), GradientNormOfAAfterOneStep(null), 4);
        Assert.Equal(0.5, GradientNormOfAAfterOneStep(["a", "b"]), 4);
    }
}
