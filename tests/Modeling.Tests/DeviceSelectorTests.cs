using Media.Modeling.Devices;
using TorchSharp;

namespace Media.Modeling.Tests;

public sealed class DeviceSelectorTests
{
    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData("CPU", "cpu")]
    [InlineData("", "cpu")]
    [InlineData("cuda", "cuda")]
    [InlineData("cuda:3", "cuda:3")]
    [InlineData(" Cuda:0 ", "cuda:0")]
    public void Parses_device_names(string name, string expected) =>
        Assert.Equal(expected, DeviceSelector.Parse(name).ToString());

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("mps")]
    public void Rejects_unknown_device_names(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => DeviceSelector.Parse(name));
        Assert.Contains("cpu, cuda or cuda:N", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_resolves_to_the_cpu_device()
    {
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve("cpu").type);
        Assert.Equal(DeviceType.CPU, DeviceSelector.Apply(new TorchOptions()).type);
    }

    [SkippableFact]
    public void Cuda_without_a_gpu_fails_with_advice()
    {
        Skip.If(torch.cuda.is_available(), "a GPU is present here: the cuda request is legitimately served");
        var ex = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Resolve("cuda:0"));
        Assert.Contains("TorchLibrary=cuda", ex.Message, StringComparison.Ordinal);
    }

    // Issue 22 §1.8: libtorch's "Could not initialize NNPACK" warning was 99.9% of the gateway's log. Its NNPACK path is
    // off once a device is resolved (as every model load does), so libtorch never tries NNPACK and never logs the line.
    [Fact]
    public void Resolving_a_device_turns_libtorchs_NNPACK_path_off()
    {
        DeviceSelector.Resolve("cpu");
        Assert.Equal(false, Nnpack.UserEnabled);
    }

    [Fact]
    public void Without_a_configured_count_a_worker_gets_one_intra_op_thread()
    {
        DeviceSelector.Apply(new TorchOptions { Threads = 2 });
        Assert.Equal(2, torch.get_num_threads());
        DeviceSelector.Apply(new TorchOptions());
        Assert.Equal(1, torch.get_num_threads());
    }

    [Theory]
    [InlineData("float32", torch.ScalarType.Float32)]
    [InlineData("", torch.ScalarType.Float32)]
    [InlineData("BFloat16", torch.ScalarType.BFloat16)]
    [InlineData("bf16", torch.ScalarType.BFloat16)]
    public void Parses_decoder_dtypes(string name, torch.ScalarType expected) =>
        Assert.Equal(expected, DeviceSelector.ResolveDtype(name, torch.CPU));

    [Fact]
    public void Float16_is_refused_on_the_cpu_and_unknown_dtypes_name_the_choices()
    {
        Assert.Contains("CUDA only", Assert.Throws<ArgumentException>(() => DeviceSelector.ResolveDtype("float16", torch.CPU)).Message, StringComparison.Ordinal);
        Assert.Contains("float32, bfloat16 or float16", Assert.Throws<ArgumentException>(() => DeviceSelector.ParseDtype("int8")).Message, StringComparison.Ordinal);
    }
}
