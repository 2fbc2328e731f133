using Media.Modeling.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tests;

public sealed class SeededRandomTests
{
    [SkippableFact]
    public void A_cpu_generator_draws_for_a_gpu()
    {
        // D-AR's tokenizer on a GPU stopped at its first dead-code restart: "Expected a 'cuda' device type for generator but found 'cpu'".
        Skip.IfNot(cuda.is_available(), "no CUDA device here; CI has none, a GPU host runs this");
        using var scope = NewDisposeScope();
        using var generator = new Generator(7, CPU);
        Assert.ThrowsAny<Exception>(() => randn([2, 3], device: CUDA, generator: generator));
        Assert.Equal(DeviceType.CUDA, SeededRandom.Normal([2, 3], ScalarType.Float32, CUDA, generator).device_type);
        Assert.Equal(DeviceType.CUDA, SeededRandom.Integers(10, [4], CUDA, generator).device_type);
    }

    [SkippableFact]
    public void A_cpu_generator_samples_tokens_from_gpu_logits()
    {
        // `media eval image-dar --device cuda` stopped at its first token: multinomial on CUDA probabilities with a request's CPU generator.
        Skip.IfNot(cuda.is_available(), "no CUDA device here; CI has none, a GPU host runs this");
        using var scope = NewDisposeScope();
        using var onCpu = new Media.Modeling.Sampling.SamplingState(new Media.Modeling.Sampling.SamplingParameters { Seed = 3 });
        using var onGpu = new Media.Modeling.Sampling.SamplingState(new Media.Modeling.Sampling.SamplingParameters { Seed = 3 });
        var logits = randn([1, 50], generator: new Generator(1, CPU));
        var expected = Media.Modeling.Sampling.TokenSampler.Sample(logits, [onCpu]);
        var drawn = Media.Modeling.Sampling.TokenSampler.Sample(logits.to(CUDA), [onGpu]);
        Assert.Equal(DeviceType.CUDA, drawn.device_type);
        Assert.Equal(expected.data<long>().ToArray(), drawn.cpu().data<long>().ToArray());
    }

    [Fact]
    public void A_seed_gives_the_numbers_it_gave_before()
    {
        using var scope = NewDisposeScope();
        using var first = new Generator(7, CPU);
        using var second = new Generator(7, CPU);
        Assert.Equal(randn([5], generator: first).data<float>().ToArray(), SeededRandom.Normal([5], ScalarType.Float32, CPU, second).data<float>().ToArray());
        Assert.Equal(randint(0, 100, [5], dtype: ScalarType.Int64, generator: first).data<long>().ToArray(),
            SeededRandom.Integers(100, [5], CPU, second).data<long>().ToArray());
        var probs = softmax(randn([3, 40], generator: new Generator(2, CPU)), -1);
        Assert.Equal(multinomial(probs, 1, generator: first).data<long>().ToArray(),
            SeededRandom.Categorical(probs, 1, second).data<long>().ToArray());
    }
}
