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
}
