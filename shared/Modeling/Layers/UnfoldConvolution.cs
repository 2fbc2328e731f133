using TorchSharp;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// A 1-D convolution written as unfold + matrix product, for training on CPU. libtorch 2.10's CPU convolution backward
/// (TorchSharp-cpu 0.107) returns input gradients that vary from run to run on identical inputs and are sometimes NaN:
/// it reads memory it never wrote (prefilling freed memory with NaN makes it show). The gradients of unfold and a matrix
/// product are exact and repeatable. The forward agrees with <c>conv1d</c> to float rounding; inference keeps <c>conv1d</c>.
/// </summary>
public static class UnfoldConvolution
{
    /// <summary>True when a layer should take this path: gradients are being recorded for its input or weight.</summary>
    public static bool Needed(Tensor input, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return is_grad_enabled() && (input.requires_grad || weight.requires_grad);
    }

    /// <summary>
    /// <c>conv1d(input, weight, bias, stride, padding 0, dilation)</c>: input [B, C_in, T], weight [C_out, C_in, k], bias [C_out]
    /// to [B, C_out, (T - dilation (k - 1) - 1) / stride + 1].
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias, long stride = 1, long dilation = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.dim() != 3 || weight.dim() != 3 || input.shape[1] != weight.shape[1])
            throw new ArgumentException($"Expected input [B, C, T] and weight [O, C, k] with the same C; got [{string.Join(", ", input.shape)}] and [{string.Join(", ", weight.shape)}].");
        using var scope = NewDisposeScope();
        long k = weight.shape[2], span = dilation * (k - 1) + 1;
        // [B, C, windows, span], then every dilation-th tap: [B, C, windows, k].
        var windows = input.unfold(2, span, stride);
        if (dilation > 1) windows = windows.index_select(3, arange(0, span, dilation, device: input.device));
        var output = einsum("bcwk,ock->bow", windows, weight);
        if (bias is not null) output = output + bias.view(1, -1, 1);
        return output.MoveToOuterDisposeScope();
    }
}
