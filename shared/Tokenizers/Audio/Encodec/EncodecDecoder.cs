using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>
/// SEANet decoder (HF <c>EncodecDecoder</c>), mirroring the encoder as <c>layers</c>: Conv(hidden_size ->
/// F * 2^levels, kernel), LSTM with skip; for each upsampling ratio r, [ELU, ConvTranspose(w -> w/2, k=2r,
/// stride r), ResBlock x num_residual_layers]; then ELU, Conv(F -> channels, last kernel), no final
/// activation. At 24 kHz the transposed convolutions are layers 3, 6, 9 and 12.
/// </summary>
public sealed class EncodecDecoder : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> layers;

    /// <summary>Builds the decoder for <paramref name="config"/>; <paramref name="weightNorm"/> weight-normalises every convolution (training).</summary>
    public EncodecDecoder(EncodecConfig config, bool weightNorm = false) : base(nameof(EncodecDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var padMode = EncodecModel.PadModeOf(config);
        long width = config.NumFilters * (1L << config.UpsamplingRatios.Count);
        var model = new List<nn.Module<Tensor, Tensor>>
        {
            new EncodecConv1d(config.HiddenSize, width, config.KernelSize, padMode: padMode, weightNorm: weightNorm),
        };
        if (config.NumLstmLayers > 0) model.Add(new EncodecLstm(width, config.NumLstmLayers));
        foreach (int ratio in config.UpsamplingRatios)
        {
            model.Add(nn.ELU());
            model.Add(new EncodecConvTranspose1d(width, width / 2, kernelSize: ratio * 2, stride: ratio, weightNorm: weightNorm));
            for (int j = 0; j < config.NumResidualLayers; j++)
                model.Add(new EncodecResnetBlock(config, width / 2, (int)Math.Pow(config.DilationGrowthRate, j), weightNorm));
            width /= 2;
        }
        model.Add(nn.ELU());
        model.Add(new EncodecConv1d(config.NumFilters, config.AudioChannels, config.LastKernelSize, padMode: padMode, weightNorm: weightNorm));
        layers = nn.ModuleList([.. model]);
        RegisterComponents();
    }

    /// <summary>Latents [B, hidden_size, frames] to audio [B, channels, frames * hop].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in layers) x = layer.call(x);
        return x.MoveToOuterDisposeScope();
    }

    internal ILayerStream OpenStream() => SequentialStream.Open(layers);
}
