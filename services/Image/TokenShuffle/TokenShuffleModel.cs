using Media.Modeling.Transformers;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.TokenShuffle;

/// <summary>
/// Text-to-image with Token-Shuffle on LlamaGen's GPT. The sequence is <c>[condition | window 0 .. window W-1]</c>:
/// the condition embeddings come from <c>cls_embedding</c>, each window of s² VQ codes enters as one token
/// (<see cref="TokenShuffleInput"/>), and the hidden state at position p predicts all s² codes of the next window
/// at once (<see cref="TokenUnshuffleOutput"/> then the shared head <c>output</c>). With s = 1 both sides vanish
/// and the module is LlamaGen's GPT: its state dict holds <c>tok_embeddings</c>, <c>cls_embedding</c>,
/// <c>layers.*</c>, <c>norm</c> and <c>output</c> (under <c>transformer.</c> inside this module; the model files
/// use LlamaGen's bare names, see <see cref="TokenShuffleCheckpoint"/>).
/// </summary>
public sealed class TokenShuffleModel : nn.Module<Tensor, Tensor, Tensor>
{
    readonly DecoderTransformer transformer;
    readonly ConditionEmbedding cls_embedding;
    readonly TokenShuffleInput? token_shuffle;
    readonly TokenUnshuffleOutput? token_unshuffle;

    /// <summary>A randomly initialised model (seed with <c>torch.manual_seed</c> for repeatable weights).</summary>
    public TokenShuffleModel(TokenShuffleConfig config) : base(nameof(TokenShuffleModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        transformer = new DecoderTransformer(config.Transformer);
        cls_embedding = new ConditionEmbedding(config.ConditionVocabSize, config.Dim);
        if (config.Shuffle > 1)
        {
            token_shuffle = new TokenShuffleInput(config.Dim, config.WindowSize, config.ShuffleBlocks);
            token_unshuffle = new TokenUnshuffleOutput(config.Dim, config.WindowSize, config.ShuffleBlocks);
        }
        RegisterComponents();
    }

    /// <summary>The shape it was built with.</summary>
    public TokenShuffleConfig Config { get; }

    TokenShuffleHead? head;

    /// <summary>The Llama decoder (what the step scheduler serves).</summary>
    public DecoderTransformer Transformer => transformer;

    /// <summary>Its window readout and window embedding, shared by all of its requests so a step reads them out together.</summary>
    public TokenShuffleHead Head => head ??= new TokenShuffleHead(this);

    /// <summary>Where the weights live.</summary>
    public Device Device => transformer.Device;

    /// <summary>Condition ids [B, C] to embeddings [B, C, d].</summary>
    public Tensor EmbedCondition(Tensor conditionIds)
    {
        ArgumentNullException.ThrowIfNull(conditionIds);
        if (conditionIds.dim() != 2 || conditionIds.shape[1] != Config.ConditionLength)
            throw new ArgumentException($"Condition ids must be [B, {Config.ConditionLength}]; got [{string.Join(", ", conditionIds.shape)}].", nameof(conditionIds));
        return cls_embedding.call(conditionIds);
    }

    /// <summary>Windows of codes [B, T, s²] to one input token each, [B, T, d].</summary>
    public Tensor EmbedWindows(Tensor windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.dim() != 3 || windows.shape[2] != Config.WindowSize)
            throw new ArgumentException($"Windows must be [B, T, {Config.WindowSize}]; got [{string.Join(", ", windows.shape)}].", nameof(windows));
        using var scope = NewDisposeScope();
        var codes = transformer.Embed(windows);                                   // [B, T, s², d]
        var tokens = token_shuffle is null ? codes.squeeze(2) : token_shuffle.call(codes);
        return tokens.MoveToOuterDisposeScope();
    }

    /// <summary>Hidden states [B, T, d] to logits [B, T, s², codebook] of the s² codes of each next window.</summary>
    public Tensor WindowLogits(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var logits = token_unshuffle is null
            ? transformer.Logits(hidden).unsqueeze(-2)
            : transformer.Logits(token_unshuffle.call(hidden));
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Teacher-forced logits [B, W, s², codebook] for condition ids [B, C] and code grids [B, G, G]: window w is
    /// predicted from the condition and windows 0..w-1 in one causal pass.
    /// </summary>
    public override Tensor forward(Tensor conditionIds, Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 3 || codes.shape[1] != Config.GridSize || codes.shape[2] != Config.GridSize)
            throw new ArgumentException($"Codes must be [B, {Config.GridSize}, {Config.GridSize}]; got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var scope = NewDisposeScope();
        int c = Config.ConditionLength, w = Config.Windows;
        var windows = WindowOrder.Shuffle(codes, Config.Shuffle);
        var input = EmbedCondition(conditionIds);
        if (w > 1) input = cat([input, EmbedWindows(windows.narrow(1, 0, w - 1))], 1);
        var hidden = transformer.HiddenFull(input).narrow(1, c - 1, w);
        return WindowLogits(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Mean per-code cross-entropy of the teacher-forced prediction (Token-Shuffle's training loss).</summary>
    public Tensor Loss(Tensor conditionIds, Tensor codes)
    {
        using var scope = NewDisposeScope();
        var logits = forward(conditionIds, codes);
        var targets = WindowOrder.Shuffle(codes, Config.Shuffle);
        return nn.functional.cross_entropy(logits.reshape(-1, Config.CodebookSize), targets.reshape(-1)).MoveToOuterDisposeScope();
    }
}
