using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Token-Shuffle's output side (token-unshuffle): residual MLP blocks, a split of each hidden state into s² chunks
/// of d/s², and a shared MLP expanding every chunk back to d, ready for the shared vocabulary head.
/// </summary>
public sealed class TokenUnshuffleOutput : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResidualMlpBlock> blocks;
    readonly Linear expand_fc1;
    readonly Linear expand_fc2;
    readonly int windowSize;

    /// <summary>The output side for width <paramref name="dim"/> and windows of <paramref name="windowSize"/> codes.</summary>
    public TokenUnshuffleOutput(int dim, int windowSize, int blockCount) : base(nameof(TokenUnshuffleOutput))
    {
        this.windowSize = windowSize;
        blocks = nn.ModuleList(Enumerable.Range(0, blockCount).Select(_ => new ResidualMlpBlock(dim)).ToArray());
        expand_fc1 = nn.Linear(dim / windowSize, dim);
        expand_fc2 = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <summary>Hidden states [B, T, d] to one state per code of the next window, [B, T, s², d].</summary>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var block in blocks) x = block.call(x);
        var chunks = x.reshape(x.shape[0], x.shape[1], windowSize, -1);                               // split
        return expand_fc2.call(nn.functional.silu(expand_fc1.call(chunks))).MoveToOuterDisposeScope();
    }
}
