using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Tensors;

/// <summary>
/// Random tensors drawn on their generator's own device and then moved where they are used. libtorch refuses a generator
/// of another device ("Expected a 'cuda' device type for generator but found 'cpu'"), and the project's generators are
/// CPU ones (<c>BatchPosition.CreateGenerator</c>, request seeds), so drawing where the generator lives keeps a seed's
/// numbers the same on every device.
/// </summary>
public static class SeededRandom
{
    /// <summary>Standard normal noise of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Normal(long[] shape, ScalarType dtype, Device device, Generator? generator) =>
        generator is null
            ? randn(shape, dtype: dtype, device: device)
            : randn(shape, dtype: dtype, device: generator.device, generator: generator).to(device);

    /// <summary>Int64 draws from [0, <paramref name="high"/>) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Integers(long high, long[] shape, Device device, Generator? generator) =>
        generator is null
            ? randint(0, high, shape, dtype: ScalarType.Int64, device: device)
            : randint(0, high, shape, dtype: ScalarType.Int64, device: generator.device, generator: generator).to(device);

    /// <summary>
    /// <paramref name="samples"/> category draws per row of <paramref name="probs"/> ([vocab] or [rows, vocab]), as
    /// <c>multinomial</c> without replacement gives them, on the device of <paramref name="probs"/>.
    /// </summary>
    public static Tensor Categorical(Tensor probs, long samples, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(probs);
        return generator is null || generator.device.type == probs.device.type
            ? multinomial(probs, samples, generator: generator)
            : multinomial(probs.to(generator.device), samples, generator: generator).to(probs.device);
    }
}
