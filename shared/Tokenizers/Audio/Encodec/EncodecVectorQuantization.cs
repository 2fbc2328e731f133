using static TorchSharp.torch;

namespace Media.Tokenizers.Audio.Encodec;

/// <summary>A codebook applied to channel-first latents [B, D, T] (HF <c>EncodecVectorQuantization</c>).</summary>
public sealed class EncodecVectorQuantization : nn.Module
{
    readonly EuclideanCodebook codebook;

    /// <summary>Creates the quantizer's codebook.</summary>
    public EncodecVectorQuantization(long codebookSize, long dimension) : base(nameof(EncodecVectorQuantization))
    {
        codebook = new EuclideanCodebook(codebookSize, dimension);
        RegisterComponents();
    }

    /// <summary>The codebook.</summary>
    public EuclideanCodebook Codebook => codebook;

    /// <summary>Latents [B, D, T] to codes [B, T].</summary>
    public Tensor Encode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        using var scope = NewDisposeScope();
        return codebook.Encode(latents.permute(0, 2, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Codes [B, T] to latents [B, D, T].</summary>
    public Tensor Decode(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        using var scope = NewDisposeScope();
        return codebook.Decode(codes).permute(0, 2, 1).MoveToOuterDisposeScope();
    }
}
