using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// SEANet encoder (HF <c>EncodecEncoder</c>), as <c>layers</c>: Conv(channels -> F, kernel); for each
/// ratio r of the reversed upsampling ratios, [ResBlock x num_residual_layers, ELU, Conv(w -> 2w, k=2r,
/// stride r)]; then LSTM with skip, ELU, Conv(-> hidden_size, last kernel). At 24 kHz the LSTM is layer 13.
/// </summary>
public sealed class EncodecEncoder : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> layers;

    /// <summary>Builds the encoder for <paramref name="config"/>; <paramref name="weightNorm"/> weight-normalises every convolution (training).</summary>
    public EncodecEncoder(EncodecConfig config, bool weightNorm = false) : base(nameof(EncodecEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var padMode = EncodecModel.PadModeOf(config);
        var model = new List<nn.Module<Tensor, Tensor>>
        {
            new EncodecConv1d(config.AudioChannels, config.NumFilters, config.KernelSize, padMode: padMode, weightNorm: weightNorm),
        };
        long width = config.NumFilters;
        foreach (int ratio in config.UpsamplingRatios.Reverse())
        {
            for (int j = 0; j < config.NumResidualLayers; j++)
                model.Add(new EncodecResnetBlock(config, width, (int)Math.Pow(config.DilationGrowthRate, j), weightNorm));
            model.Add(nn.ELU());
            model.Add(new EncodecConv1d(width, width * 2, kernelSize: ratio * 2, stride: ratio, padMode: padMode, weightNorm: weightNorm));
            width *= 2;
        }
        if (config.NumLstmLayers > 0) model.Add(new EncodecLstm(width, config.NumLstmLayers));
        model.Add(nn.ELU());
        model.Add(new EncodecConv1d(width, config.HiddenSize, config.LastKernelSize, padMode: padMode, weightNorm: weightNorm));
        layers = nn.ModuleList([.. model]);
        RegisterComponents();
    }

    /// <summary>Audio [B, channels, T] to latents [B, hidden_size, ceil(T / hop)].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in layers) x = layer.call(x);
        return x.MoveToOuterDisposeScope();
    }

    internal ILayerStream OpenStream() => SequentialStream.Open(layers);
}
