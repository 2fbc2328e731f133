using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

/// <summary>
/// A tiny next-token model from TorchSharp's own blocks (embedding, TransformerEncoderLayer with a
/// causal mask, linear head), standing in for the project's transformer in trainer tests.
/// </summary>
sealed class TinyLanguageModel : nn.Module<Tensor, Tensor>
{
    readonly Embedding tok_embeddings;
    readonly Embedding pos_embeddings;
    readonly ModuleList<TransformerEncoderLayer> layers;
    readonly LayerNorm norm;
    readonly Linear output;

    public int Vocabulary { get; }

    public TinyLanguageModel(int vocabulary, int maxLength, int dim, int heads, int layerCount, double dropout) : base("tiny_lm")
    {
        Vocabulary = vocabulary;
        tok_embeddings = nn.Embedding(vocabulary, dim);
        pos_embeddings = nn.Embedding(maxLength, dim);
        layers = nn.ModuleList(Enumerable.Range(0, layerCount).Select(_ => nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout)).ToArray());
        norm = nn.LayerNorm(dim);
        output = nn.Linear(dim, vocabulary);
        RegisterComponents();
    }

    /// <summary>Tokens [batch, time] to logits [batch, time, vocabulary].</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        long time = tokens.shape[1];
        var positions = arange(time, device: tokens.device);
        var x = (tok_embeddings.call(tokens) + pos_embeddings.call(positions)).transpose(0, 1); // [time, batch, dim]
        var causal = triu(full(time, time, float.NegativeInfinity, device: tokens.device), diagonal: 1);
        foreach (var layer in layers) x = layer.call(x, causal);
        return output.call(norm.call(x.transpose(0, 1))).MoveToOuterDisposeScope();
    }

    /// <summary>Mean cross-entropy of predicting token t+1 from tokens up to t.</summary>
    public Tensor NextTokenLoss(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var logits = forward(tokens);
        long time = tokens.shape[1];
        var predicted = logits.narrow(1, 0, time - 1).reshape(-1, Vocabulary);
        var targets = tokens.narrow(1, 1, time - 1).reshape(-1);
        return nn.functional.cross_entropy(predicted, targets).MoveToOuterDisposeScope();
    }
}
