using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Token-Shuffle's input side: each code's embedding (width d) is compressed by a shared MLP to d/s², the s²
/// codes of a window are concatenated along channels into one token of width d, then residual MLP blocks mix them.
/// </summary>
public sealed class TokenShuffleInput : nn.Module<Tensor, Tensor>
{
    readonly Linear compress_fc1;
    readonly Linear compress_fc2;
    readonly ModuleList<ResidualMlpBlock> blocks;
    readonly int windowSize;

    /// <summary>The input side for width <paramref name="dim"/> and windows of <paramref name="windowSize"/> codes.</summary>
    public TokenShuffleInput(int dim, int windowSize, int blockCount) : base(nameof(TokenShuffleInput))
    {
        this.windowSize = windowSize;
        compress_fc1 = nn.Linear(dim, dim);
        compress_fc2 = nn.Linear(dim, dim / windowSize);
        blocks = nn.ModuleList(Enumerable.Range(0, blockCount).Select(_ => new ResidualMlpBlock(dim)).ToArray());
        RegisterComponents();
    }

    /// <summary>Code embeddings [B, T, s², d] to window tokens [B, T, d].</summary>
    public override Tensor forward(Tensor codeEmbeddings)
    {
        if (codeEmbeddings.dim() != 4 || codeEmbeddings.shape[2] != windowSize)
            throw new ArgumentException($"Expected code embeddings [B, T, {windowSize}, d]; got [{string.Join(", ", codeEmbeddings.shape)}].", nameof(codeEmbeddings));
        using var scope = NewDisposeScope();
        long b = codeEmbeddings.shape[0], t = codeEmbeddings.shape[1];
        var compressed = compress_fc2.call(nn.functional.silu(compress_fc1.call(codeEmbeddings)));   // [B, T, s², d/s²]
        var x = compressed.reshape(b, t, -1);                                                         // window concat
        foreach (var block in blocks) x = block.call(x);
        return x.MoveToOuterDisposeScope();
    }
}
