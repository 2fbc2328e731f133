using Media.Modeling.Training;
using Media.Services.Audio.Speech.Ardit;
using Media.Services.Audio.Speech.Generation;
using Media.Services.Audio.Speech.Training;
using Media.Tests.Support;
using static TorchSharp.torch;

namespace Media.Services.Audio.Tests.Ardit;

/// <summary>ARDiT's one-step distillation: what it trains is what the voice serves at one step, and it starts from the teacher.</summary>
[Collection(SingleThreadedTorch.Name)]
public sealed class ArditDistillationTests
{
    static readonly FrontEndTextEncoder Text = FrontEndTextEncoder.Default;

    static ArditConfig Config => ArditTestModels.Tiny(4) with { VocabSize = Text.VocabularySize, FrameRate = 25, TextTiming = ArditConfig.Uniform };

    static List<ArditExample> Examples(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            string text = $"word {(char)('a' + i)} and more";
            int frames = 8 + random.Next(9);
            var latents = Enumerable.Range(0, frames * Config.LatentDim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            return new ArditExample(text, Text.Encode(text), latents, frames);
        })];
    }

    [Fact]
    public void The_student_draws_in_training_what_the_cached_one_step_sampler_serves()
    {
        using var scope = NewDisposeScope();
        using var model = ArditTestModels.Randomised(Config);
        var synthesizer = new ArditSynthesizer(model);
        var ids = Text.Encode("hello there");
        const int total = 12;   // three whole blocks
        var sampling = new ArditSamplingOptions { Steps = 1, Seed = 5 };
        var served = cat(synthesizer.Blocks(ids, total, null, sampling).Select(b => b.Latents).ToArray(), 0);   // [12, C]

        // The same per-block noise the sampler draws, and the served blocks as each later block's clean context.
        using var generator = new Generator(5);
        var noise = cat(Enumerable.Range(0, total / 4).Select(_ => randn([1, 4, Config.LatentDim], generator: generator)).ToArray(), 1);
        var batch = ArditTraining.Pad([new ArditExample("hello there", ids, served.data<float>().ToArray(), total)], 4, Config.LatentDim, CPU);
        using var noGrad = no_grad();
        var drawn = model.Denormalize(ArditDistillation.Draw(model, batch, model.Normalize(batch.Latents), noise)).squeeze(0);
        Assert.True(drawn.allclose(served, rtol: 1e-4, atol: 1e-4), $"largest difference {(drawn - served).abs().max().item<float>()}");
    }

    [Fact]
    public void Distillation_starts_with_no_matching_gradient_and_trains_the_student_and_fake_score_but_never_the_teacher()
    {
        using var scope = NewDisposeScope();
        using var run = new TempDirectory();
        using var teacher = ArditTestModels.Randomised(Config);
        using var pair = new ArditDistillationPair(Config);
        pair.Student.load_state_dict(teacher.state_dict());
        pair.FakeScore.load_state_dict(teacher.state_dict());
        var options = new SpeechTrainingOptions { RunDirectory = run.Path, Steps = 3, BatchSize = 4, LearningRate = 1e-3, WarmupSteps = 1, EmaDecay = null };
        using var distillation = new ArditDistillation(teacher, pair, Examples(12, 1), Examples(4, 2), options, blockSize: 4);

        // Student and fake score are the teacher: their clean estimates agree, so the student is not pushed anywhere yet.
        var batch = ArditTraining.Pad(Examples(4, 3), 4, Config.LatentDim, CPU);
        using (var generator = new Generator(9))
        {
            var losses = distillation.Loss(batch, generator);
            Assert.Equal(0.0, losses.Student.item<float>(), 9);
            Assert.Equal(0.0, losses.Gap.item<float>(), 9);
            Assert.True(losses.Fake.item<float>() > 0);
        }

        var teacherBefore = Snapshot(teacher);
        var studentBefore = Snapshot(pair.Student);
        var fakeBefore = Snapshot(pair.FakeScore);
        distillation.Trainer.Run();
        Assert.Equal(3, distillation.Trainer.Step);
        Assert.Equal(0.0, Distance(teacherBefore, Snapshot(teacher)));
        Assert.True(Distance(studentBefore, Snapshot(pair.Student)) > 0, "the student did not move");
        Assert.True(Distance(fakeBefore, Snapshot(pair.FakeScore)) > 0, "the fake score did not move");
        // Once the student has moved, the fake score and the teacher disagree about its blocks.
        using var again = new Generator(9);
        Assert.True(distillation.Loss(batch, again).Gap.item<float>() > 0);
        Assert.True(TrainingCheckpoint.List(run.Path).Count > 0, "no checkpoint to resume from");
    }

    static Dictionary<string, float[]> Snapshot(ArditModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    static double Distance(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Sum(kv => kv.Value.Zip(b[kv.Key], (x, y) => Math.Abs((double)x - y)).Sum());
}
