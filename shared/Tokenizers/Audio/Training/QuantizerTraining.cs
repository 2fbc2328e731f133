using Media.Tokenizers.Audio.Encodec;
using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Training;

/// <summary>The quantizer's training output: straight-through latents, the commitment loss, restarted codes.</summary>
public sealed record QuantizerTrainingOutput(Tensor Quantized, Tensor Commitment, int RestartedCodes);

/// <summary>
/// The residual vector quantizer in training (EnCodec, Défossez et al. 2022): each codebook quantizes the
/// residual the previous ones left; the commitment loss pulls each residual towards its code (codes move
/// only by EMA); gradients pass the quantizer straight through to the encoder.
/// </summary>
public static class QuantizerTraining
{
    /// <summary>
    /// Quantizes latents [B, D, T] with the first <paramref name="numCodebooks"/> codebooks. When
    /// <paramref name="ema"/> is given the codebooks are updated from this batch.
    /// </summary>
    public static QuantizerTrainingOutput Forward(ResidualVectorQuantizer quantizer, Tensor latents, int numCodebooks, CodebookEma? ema)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        ArgumentNullException.ThrowIfNull(latents);
        if (numCodebooks < 1 || numCodebooks > quantizer.NumQuantizers)
            throw new ArgumentOutOfRangeException(nameof(numCodebooks), numCodebooks, $"Use 1 to {quantizer.NumQuantizers} codebooks.");
        using var scope = NewDisposeScope();
        var residual = latents.permute(0, 2, 1).reshape(-1, latents.shape[1]);
        Tensor quantizedSum = zeros_like(residual);
        Tensor commitment = zeros(1, device: latents.device);
        int restarted = 0;
        for (int k = 0; k < numCodebooks; k++)
        {
            var codebook = quantizer.Layers[k].Codebook;
            Tensor indices, code;
            using (no_grad())
            {
                indices = codebook.Encode(residual.detach());
                code = codebook.Decode(indices);
            }
            commitment = commitment + nn.functional.mse_loss(residual, code);
            if (ema is not null) restarted += ema.Update(codebook, residual, indices);
            quantizedSum = quantizedSum + code;
            residual = residual - code;
        }
        var flat = latents.permute(0, 2, 1).reshape(-1, latents.shape[1]);
        var straightThrough = flat + (quantizedSum - flat).detach();
        var quantized = straightThrough.reshape(latents.shape[0], latents.shape[2], latents.shape[1]).permute(0, 2, 1);
        return new QuantizerTrainingOutput(quantized.MoveToOuterDisposeScope(), (commitment / numCodebooks).squeeze().MoveToOuterDisposeScope(), restarted);
    }
}
