using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Modeling.Tests.Training;

/// <summary>
/// A tiny next-token model on the project's own <see cref="DecoderTransformer"/>, with dropout on the input
/// embeddings so the trainer tests also cover the RNG state a resumed run must restore.
/// </summary>
sealed class TinyLanguageModel : nn.Module<Tensor, Tensor>
{
    readonly DecoderTransformer decoder;
    readonly Dropout embedding_dropout;

    public int Vocabulary { get; }

    public TinyLanguageModel(int vocabulary, int maxLength, int dim, int heads, int layerCount, double dropout) : base("tiny_lm")
    {
        Vocabulary = vocabulary;
        decoder = new DecoderTransformer(new TransformerConfig(
            Dim: dim, NLayer: layerCount, NHead: heads, NKvHead: heads, VocabSize: vocabulary, MultipleOf: 16, MaxSeqLen: maxLength));
        embedding_dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Tokens [batch, time] to logits [batch, time, vocabulary].</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        return decoder.ForwardFull(embedding_dropout.call(decoder.Embed(tokens))).MoveToOuterDisposeScope();
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
