using Media.Modeling.Devices;
using Media.Modeling.Diffusion;
using Media.Modeling.Layers;
using Media.Modeling.Transformers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Tokenizers.Image.DAr;

/// <summary>
/// D-AR's sequential diffusion tokenizer (showlab/D-AR <c>tokenizer/tokenizer_image/vq_model.py</c>). Encoding: patches
/// (a Linear over <see cref="ImagePatches"/>, then a parameter-free LayerNorm) and <see cref="DArTokenizerConfig.Tokens"/>
/// low-rank learnable queries (<c>query_embedding</c> [1024, 8] -> <c>query_linear</c>) go through ViT blocks in which
/// patches attend to all patches and query i to all patches and to queries 0..i (<see cref="AttentionPattern.PrefixBidirectional"/>
/// over [patches | queries]), patches under 2D RoPE and queries unrotated; the queries' outputs are LayerNormed, projected to
/// 8 dims (<c>quant_in_conv</c>) and quantised by the shared L2-normalised <see cref="VectorQuantizer"/>. Decoding: the codes
/// go back up (<c>quant_out_conv</c> + <c>decoder_embedding</c>) through causal blocks (<c>decoder_layers</c>), so condition
/// token j has seen codes 0..j; flow step i of the <see cref="SequentialDiffusionDecoder"/> reads group i's condition tokens,
/// so step i depends on groups 0..i and the image can be previewed after every group.
/// </summary>
public sealed class DArTokenizer : nn.Module<Tensor, QuantizerOutput>
{
    readonly Linear patchify;
    readonly Embedding query_embedding;
    readonly Linear query_linear;
    readonly ModuleList<VitBlock> encoder_layers;
    readonly LayerNorm encoder_norm;
    readonly Linear quant_in_conv;
    readonly VectorQuantizer quantize;
    readonly Linear quant_out_conv;
    readonly Embedding decoder_embedding;
    readonly ModuleList<VitBlock> decoder_layers;
    readonly LayerNorm norm;
    readonly SequentialDiffusionDecoder diff_decoder;
    readonly RotaryEmbedding rope;

    /// <summary>A randomly initialised tokenizer (seed with <c>torch.manual_seed</c> for repeatable weights).</summary>
    public DArTokenizer(DArTokenizerConfig config) : base(nameof(DArTokenizer))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        int d = config.EncoderDim, heads = d / config.HeadDim, p = config.PatchSize, patches = config.PatchGrid * config.PatchGrid;
        patchify = nn.Linear(3 * p * p, d);
        query_embedding = nn.Embedding(config.QueryTableSize, config.QueryRank);
        query_linear = nn.Linear(config.QueryRank, d);
        encoder_layers = nn.ModuleList(Enumerable.Range(0, config.EncoderLayers).Select(_ => Block(config, d, heads)).ToArray());
        encoder_norm = nn.LayerNorm(d, eps: 1e-6, elementwise_affine: false);
        quant_in_conv = nn.Linear(d, config.CodebookDim, hasBias: false);
        quantize = new VectorQuantizer(config.Quantizer);
        quant_out_conv = nn.Linear(config.CodebookDim, d, hasBias: false);
        decoder_embedding = nn.Embedding(config.QueryTableSize, d);
        decoder_layers = nn.ModuleList(Enumerable.Range(0, config.PostQuantLayers).Select(_ => Block(config, d, heads)).ToArray());
        norm = nn.LayerNorm(d, eps: 1e-6, elementwise_affine: false);
        diff_decoder = new SequentialDiffusionDecoder(config, d);
        // Position 0 is the identity rotation every query gets; patch k sits at 1 + k on the patch grid.
        rope = new RotaryEmbedding(RotarySpec.TwoD(config.PatchGrid, prefixLength: 1), config.HeadDim, 1 + patches, 10000);
        RegisterComponents();
        using (no_grad())
        {
            foreach (var linear in new[] { patchify, query_linear, quant_in_conv, quant_out_conv }
                         .Concat(encoder_layers.SelectMany(l => l.modules().OfType<Linear>()))
                         .Concat(decoder_layers.SelectMany(l => l.modules().OfType<Linear>())))
            {
                TruncatedNormal(linear.weight!, 0.02);
                linear.bias?.zero_();
            }
            TruncatedNormal(query_embedding.weight!, 1.0);
            TruncatedNormal(decoder_embedding.weight!, 0.02);
        }
    }

    /// <summary>
    /// D-AR's <c>trunc_normal_(std)</c>: normal draws clamped to ±2 std (TorchSharp's <c>nn.init.trunc_normal_</c> leaves the
    /// tensor zero in this build, which silently kills every Linear it touches).
    /// </summary>
    internal static void TruncatedNormal(Tensor weight, double std) => weight.normal_(0, std).clamp_(-2 * std, 2 * std);

    static VitBlock Block(DArTokenizerConfig config, int dim, int heads) => new(dim, heads, config.MlpRatio, layerScale: true, siluMlp: true, qkNorm: true);

    /// <summary>The shape it was built with.</summary>
    public DArTokenizerConfig Config { get; }

    /// <summary>The quantiser.</summary>
    public VectorQuantizer Quantizer => quantize;

    /// <summary>The flow decoder.</summary>
    public SequentialDiffusionDecoder Decoder => diff_decoder;

    /// <summary>Where the weights live.</summary>
    public Device Device => patchify.weight!.device;

    /// <summary>Images [B, 3, H, W] in [-1, 1] to the 8-dim pre-quantiser latents [B, 8, 1, tokens] (the VQ's [B, D, H, W] layout).</summary>
    public Tensor EncodeLatents(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int s = Config.ImageSize;
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] != s || images.shape[3] != s)
            throw new ArgumentException($"Images must be [B, 3, {s}, {s}], got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        long b = images.shape[0];
        int patches = Config.PatchGrid * Config.PatchGrid, q = Config.Tokens;
        var patchTokens = encoder_norm.call(patchify.call(ImagePatches.Split(images, Config.PatchSize)));
        var queries = query_linear.call(query_embedding.weight!.narrow(0, 0, q)).unsqueeze(0).expand(b, -1, -1);
        var tokens = cat([patchTokens, queries], 1);
        var positions = cat([arange(1, 1 + patches, ScalarType.Int64, images.device), zeros(q, ScalarType.Int64, images.device)]).unsqueeze(0);
        var (cos, sin) = rope.At(positions);
        var inputs = new AttentionInputs { Rope = rope, Cos = cos, Sin = sin, Mask = EncoderMask(images.device) };
        foreach (var layer in encoder_layers) tokens = layer.Run(tokens, inputs);
        var latents = quant_in_conv.call(encoder_norm.call(tokens.narrow(1, patches, q)));      // [B, q, 8]
        return latents.transpose(1, 2).unsqueeze(2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The encoder's attention rule over [patches | queries], boolean [P + Q, P + Q] (true = attend): patches see all patches,
    /// query i sees all patches and queries 0..i.
    /// </summary>
    public Tensor EncoderMask(Device? device = null)
    {
        int patches = Config.PatchGrid * Config.PatchGrid;
        return AttentionPattern.PrefixBidirectional(patches).Mask(patches + Config.Tokens, device);
    }

    /// <summary>Quantises images: codes, straight-through latents and the VQ losses.</summary>
    public override QuantizerOutput forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return quantize.call(EncodeLatents(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids [B, tokens] of images [B, 3, H, W] in [-1, 1].</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        return forward(images).Indices.reshape(images.shape[0], Config.Tokens).MoveToOuterDisposeScope();
    }

    /// <summary>Quantised latents [B, 8, 1, n] (n ≤ tokens, a prefix) to condition tokens [B, n, D]; token j has seen codes 0..j.</summary>
    public Tensor Conditions(Tensor quantized)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        if (quantized.dim() != 4 || quantized.shape[1] != Config.CodebookDim || quantized.shape[2] != 1 || quantized.shape[3] > Config.Tokens)
            throw new ArgumentException($"Quantised latents must be [B, {Config.CodebookDim}, 1, n ≤ {Config.Tokens}], got [{string.Join(", ", quantized.shape)}].", nameof(quantized));
        using var scope = NewDisposeScope();
        long n = quantized.shape[3];
        var tokens = quant_out_conv.call(quantized.squeeze(2).transpose(1, 2)) + decoder_embedding.weight!.narrow(0, 0, n).unsqueeze(0);
        var causal = new AttentionInputs { IsCausal = true };
        foreach (var layer in decoder_layers) tokens = layer.Run(tokens, causal);
        return norm.call(tokens).MoveToOuterDisposeScope();
    }

    /// <summary>Condition tokens [B, n, D] of the first n token ids [B, n].</summary>
    public Tensor ConditionsOfCodes(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 2) throw new ArgumentException($"Codes must be [B, n], got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var scope = NewDisposeScope();
        return Conditions(quantize.Lookup(codes.unsqueeze(1))).MoveToOuterDisposeScope();
    }

    /// <summary>The condition tokens of group <paramref name="group"/> out of condition tokens [B, n, D] (n covering that group).</summary>
    public Tensor GroupConditions(Tensor conditions, int group)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(group, Config.Groups);
        int per = Config.TokensPerGroup;
        if (conditions.shape[1] < (group + 1) * per)
            throw new ArgumentException($"Group {group} needs {(group + 1) * per} condition tokens; {conditions.shape[1]} given.", nameof(conditions));
        return conditions.narrow(1, group * per, per);
    }

    /// <summary>
    /// The group a training time t in [0, 1) conditions (D-AR: round(t G), at most G - 1), so the group of time i/G is i
    /// and every step of the sampler's schedule 0, 1/G, .. reads its own group.
    /// </summary>
    public static Tensor GroupOfTime(Tensor t, int groups)
    {
        ArgumentNullException.ThrowIfNull(t);
        return (t * groups + 0.5).floor().clamp(0, groups - 1).to(ScalarType.Int64);
    }

    /// <summary>The sampler's times: the shifted schedule over <see cref="DArTokenizerConfig.Groups"/> steps (G + 1 points).</summary>
    public double[] Schedule() => FlowMatching.Schedule(Config.Groups, Config.TimeShift);

    /// <summary>Velocity of the decoder at x_t [B, 3, H, W] (flow scale: x1 = DataStd * image), times [B], one group's condition tokens.</summary>
    public Tensor Velocity(Tensor xt, Tensor t, Tensor groupConditions) => diff_decoder.call(xt, t, groupConditions);

    /// <summary>The velocity and the decoder's REPA projection (<see cref="SequentialDiffusionDecoder.Run"/>), for training.</summary>
    public (Tensor Velocity, Tensor Repa) VelocityAndRepa(Tensor xt, Tensor t, Tensor groupConditions)
    {
        var (velocity, repa) = diff_decoder.Run(xt, t, groupConditions, repa: true);
        return (velocity, repa!);
    }

    /// <summary>
    /// Decodes token ids [B, tokens] to images [B, 3, H, W] in [-1, 1] from <paramref name="noise"/> (x at t = 0) with the
    /// sampler <paramref name="solver"/> (D-AR: adams2); see <see cref="DArStepDecoder"/> for the step-by-step form with previews.
    /// </summary>
    public Tensor Decode(Tensor codes, Tensor noise, FlowSolver solver = FlowSolver.Adams2)
    {
        using var decoder = new DArStepDecoder(this, noise, solver);
        for (int g = 0; g < Config.Groups; g++) decoder.Step(codes).Dispose();
        return decoder.Image();
    }
}
