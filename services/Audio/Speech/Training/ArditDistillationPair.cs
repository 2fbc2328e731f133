using Media.Services.Audio.Speech.Ardit;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Training;

/// <summary>
/// What ARDiT's distillation trains: the one-step student generator (checkpoint keys <c>generator.*</c>, exported alone
/// as the distilled voice) and the online fake score network (<c>fake_score.*</c>), both of the teacher's shape.
/// </summary>
public sealed class ArditDistillationPair : nn.Module<Tensor, Tensor>
{
    readonly ArditModel generator;
#pragma warning disable IDE1006 // checkpoint key names
    readonly ArditModel fake_score;
#pragma warning restore IDE1006

    /// <summary>Two randomly initialised networks of <paramref name="config"/>'s shape (load the teacher into both to start).</summary>
    public ArditDistillationPair(ArditConfig config) : base(nameof(ArditDistillationPair))
    {
        ArgumentNullException.ThrowIfNull(config);
        generator = new ArditModel(config);
        fake_score = new ArditModel(config);
        RegisterComponents();
    }

    /// <summary>The one-step student.</summary>
    public ArditModel Student => generator;

    /// <summary>The fake score network: the flow of the student's own distribution.</summary>
    public ArditModel FakeScore => fake_score;

    /// <summary>Module contract: not used (see <see cref="ArditDistillation.Loss"/>).</summary>
    public override Tensor forward(Tensor input) => throw new InvalidOperationException("The distillation pair is trained through ArditDistillation.Loss.");
}
