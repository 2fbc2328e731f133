using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// The condition table, named like LlamaGen's <c>LabelEmbedder</c> (<c>cls_embedding.embedding_table</c>) so its
/// class checkpoints load: one row per class (with the null class last), or here one row per caption token plus
/// &lt;boi&gt;.
/// </summary>
public sealed class ConditionEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Embedding embedding_table;

    /// <summary>A table of <paramref name="rows"/> embeddings of width <paramref name="dim"/>.</summary>
    public ConditionEmbedding(int rows, int dim) : base(nameof(ConditionEmbedding))
    {
        Rows = rows;
        embedding_table = nn.Embedding(rows, dim);
        RegisterComponents();
    }

    /// <summary>Rows of the table.</summary>
    public int Rows { get; }

    /// <summary>Condition ids [B, C] to embeddings [B, C, d].</summary>
    public override Tensor forward(Tensor ids)
    {
        if (ids.numel() > 0 && (ids.min().item<long>() < 0 || ids.max().item<long>() >= Rows))
            throw new ArgumentException($"Condition ids must lie in 0..{Rows - 1}.", nameof(ids));
        return embedding_table.call(ids);
    }
}
