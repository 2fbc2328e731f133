using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.Kl;

/// <summary>The middle of the encoder and decoder: `block_1`, `attn_1`, `block_2`.</summary>
public sealed class KlMid : nn.Module<Tensor, Tensor>
{
    readonly ResnetBlock block_1;
    readonly AttnBlock attn_1;
    readonly ResnetBlock block_2;

    internal KlMid(long channels, double dropout) : base(nameof(KlMid))
    {
        block_1 = new ResnetBlock(channels, channels, dropout);
        attn_1 = new AttnBlock(channels);
        block_2 = new ResnetBlock(channels, channels, dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return block_2.call(attn_1.call(block_1.call(x))).MoveToOuterDisposeScope();
    }
}
