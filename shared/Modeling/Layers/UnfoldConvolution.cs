using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Layers;

/// <summary>
/// Convolutions written as unfold + matrix product, for training on CPU. libtorch 2.10's CPU convolution backward
/// (TorchSharp-cpu 0.107) returns input gradients that vary from run to run on identical inputs and are sometimes NaN:
/// it reads memory it never wrote (prefilling freed memory with NaN makes it show), for conv1d and conv2d alike. The
/// gradients of unfold and a matrix product are exact and repeatable. The forward agrees with the convolution to float
/// rounding; inference keeps libtorch's kernel. Layers keep their <c>nn.Conv1d</c>/<c>nn.Conv2d</c> modules (so their
/// initialisation and checkpoint keys are unchanged) and call <see cref="Forward(Conv1d, Tensor)"/>,
/// <see cref="Forward(Conv2d, Tensor)"/> or <see cref="Forward(ConvTranspose1d, Tensor)"/> instead of <c>call</c>.
/// </summary>
public static class UnfoldConvolution
{
    /// <summary>
    /// True when a layer should take this path: gradients are being recorded for its input or weight, on the CPU (the fault is
    /// libtorch's CPU kernel; on CUDA the layers keep cuDNN's kernels).
    /// </summary>
    public static bool Needed(Tensor input, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return input.device_type == DeviceType.CPU && is_grad_enabled() && (input.requires_grad || weight.requires_grad);
    }

    /// <summary>
    /// <c>conv1d(input, weight, bias, stride, padding 0, dilation)</c>: input [B, C_in, T], weight [C_out, C_in, k], bias [C_out]
    /// to [B, C_out, (T - dilation (k - 1) - 1) / stride + 1].
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias, long stride = 1, long dilation = 1)
        => Conv1d(input, weight, bias, stride, dilation, padding: 0, groups: 1);

    /// <summary>
    /// <c>conv1d(input, weight, bias, stride, padding, dilation, groups)</c> with zero padding: input [B, C_in, T],
    /// weight [C_out, C_in / groups, k], bias [C_out] to [B, C_out, (T + 2 padding - dilation (k - 1) - 1) / stride + 1].
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias, long stride, long dilation, long padding, long groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (groups < 1 || input.dim() != 3 || weight.dim() != 3 || input.shape[1] != weight.shape[1] * groups || weight.shape[0] % groups != 0)
            throw new ArgumentException($"Expected input [B, C, T] and weight [O, C / groups, k] with groups ({groups}) dividing C and O; got [{string.Join(", ", input.shape)}] and [{string.Join(", ", weight.shape)}].");
        using var scope = NewDisposeScope();
        long k = weight.shape[2], span = dilation * (k - 1) + 1;
        var padded = padding > 0 ? nn.functional.pad(input, [padding, padding]) : input;
        // [B, C, windows, span], then every dilation-th tap: [B, C, windows, k].
        var windows = padded.unfold(2, span, stride);
        if (dilation > 1) windows = windows.index_select(3, arange(0, span, dilation, device: input.device));
        Tensor output;
        if (groups == 1)
        {
            output = einsum("bcwk,ock->bow", windows, weight);
        }
        else
        {
            // [B, G, C/G, windows, k] against [G, O/G, C/G, k].
            long b = windows.shape[0], w = windows.shape[2];
            var grouped = windows.view(b, groups, -1, w, k);
            var groupedWeight = weight.view(groups, -1, weight.shape[1], k);
            output = einsum("bgcwk,gock->bgow", grouped, groupedWeight).reshape(b, -1, w);
        }
        if (bias is not null) output = output + bias.view(1, -1, 1);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>conv2d(input, weight, bias, stride, padding, dilation)</c> with zero padding and one group: input [B, C_in, H, W],
    /// weight [C_out, C_in, kh, kw], bias [C_out] to [B, C_out, H_out, W_out] (im2col, then one matrix product).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long stride = 1, long padding = 0, long dilation = 1)
        => Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation));

    /// <summary><see cref="Conv2d(Tensor, Tensor, Tensor?, long, long, long)"/> with (height, width) stride, padding and dilation.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (long H, long W) stride, (long H, long W) padding, (long H, long W) dilation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.dim() != 4 || weight.dim() != 4 || input.shape[1] != weight.shape[1])
            throw new ArgumentException($"Expected input [B, C, H, W] and weight [O, C, kh, kw] with the same C; got [{string.Join(", ", input.shape)}] and [{string.Join(", ", weight.shape)}].");
        using var scope = NewDisposeScope();
        long batch = input.shape[0], kh = weight.shape[2], kw = weight.shape[3];
        long outH = (input.shape[2] + 2 * padding.H - dilation.H * (kh - 1) - 1) / stride.H + 1;
        long outW = (input.shape[3] + 2 * padding.W - dilation.W * (kw - 1) - 1) / stride.W + 1;
        Tensor output;
        if (kh == 1 && kw == 1 && stride == (1, 1) && padding == (0, 0))
        {
            // A 1x1 convolution is a matrix product over channels already.
            output = matmul(weight.view(weight.shape[0], -1), input.flatten(2));
        }
        else
        {
            // [B, C kh kw, H_out W_out]; unfold orders the column as (channel, kh, kw), as the weight's view does.
            var columns = nn.functional.unfold(input, (kh, kw), (dilation.H, dilation.W), (padding.H, padding.W), (stride.H, stride.W));
            output = matmul(weight.view(weight.shape[0], -1), columns);
        }
        if (bias is not null) output = output + bias.view(1, -1, 1);
        return output.view(batch, weight.shape[0], outH, outW).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The layer's own forward, through <see cref="Conv2d(Tensor, Tensor, Tensor?, (long, long), (long, long), (long, long))"/>
    /// while gradients are recorded. Zero padding and one group only (what the image tokenizers use).
    /// </summary>
    public static Tensor Forward(Conv2d conv, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(input);
        if (!Needed(input, conv.weight!)) return conv.call(input);
        if (conv.groups != 1 || conv.padding_mode != PaddingModes.Zeros || conv.padding is null)
            throw new NotSupportedException("The exact training path covers zero-padded, ungrouped 2-D convolutions with explicit padding.");
        var (stride, padding, dilation) = (conv.stride, conv.padding, conv.dilation);
        return Conv2d(input, conv.weight!, conv.bias, (stride[0], stride[1]), (padding[0], padding[1]), (dilation[0], dilation[1]));
    }

    /// <summary>The layer's own forward, through the exact conv1d while gradients are recorded (zero padding).</summary>
    public static Tensor Forward(Conv1d conv, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(input);
        if (!Needed(input, conv.weight!)) return conv.call(input);
        if (conv.padding_mode != PaddingModes.Zeros || conv.padding is null)
            throw new NotSupportedException("The exact training path covers zero-padded 1-D convolutions with explicit padding.");
        return Conv1d(input, conv.weight!, conv.bias, conv.stride[0], conv.dilation[0], conv.padding[0], conv.groups);
    }
    /// <summary>
    /// <c>conv_transpose1d(input, weight, bias, stride)</c> with no padding, one group and no dilation: input [B, C_in, T],
    /// weight [C_in, C_out, k], bias [C_out] to [B, C_out, (T - 1) stride + k]. Each input step spreads into k outputs
    /// (one matrix product); overlapping spreads are summed by <c>fold</c>, whose gradient is <c>unfold</c>.
    /// </summary>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias, long stride)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.dim() != 3 || weight.dim() != 3 || input.shape[1] != weight.shape[0])
            throw new ArgumentException($"Expected input [B, C, T] and weight [C, O, k] with the same C; got [{string.Join(", ", input.shape)}] and [{string.Join(", ", weight.shape)}].");
        using var scope = NewDisposeScope();
        long batch = input.shape[0], steps = input.shape[2], outChannels = weight.shape[1], k = weight.shape[2];
        long length = (steps - 1) * stride + k;
        // [B, O k, T]: column t holds what input step t adds to outputs t s .. t s + k - 1, ordered (channel, tap) as fold reads it.
        var spread = matmul(weight.flatten(1).t(), input);
        var output = nn.functional.fold(spread, (1, length), (1, k), stride: (1, stride)).view(batch, outChannels, length);
        if (bias is not null) output = output + bias.view(1, -1, 1);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The layer's own forward, through the exact transposed conv1d while gradients are recorded (no padding, groups or dilation).</summary>
    public static Tensor Forward(ConvTranspose1d conv, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(input);
        if (!Needed(input, conv.weight!)) return conv.call(input);
        if (conv.groups != 1 || conv.dilation[0] != 1 || conv.padding is not { } padding || padding[0] != 0 || conv.output_padding[0] != 0)
            throw new NotSupportedException("The exact training path covers transposed 1-D convolutions without padding, groups or dilation.");
        return ConvTranspose1d(input, conv.weight!, conv.bias, conv.stride[0]);
    }
}
