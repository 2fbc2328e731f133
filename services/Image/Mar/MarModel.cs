using Media.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Media.Services.Image.Mar;

/// <summary>
/// MAR's masked autoencoder over continuous tokens (LTH14/mar, models/mar.py), module names as in the
/// public checkpoints: the condition embedding (`class_emb` or our `caption_emb`) and `fake_latent`
/// fill the `buffer_size` buffer tokens; `z_proj` + `z_proj_ln` + `encoder_pos_embed_learned` embed the
/// visible tokens; `encoder_blocks` (timm ViT blocks, bidirectional) see only the buffer and the known
/// tokens; `decoder_embed` pads the unknown positions with `mask_token`, adds
/// `decoder_pos_embed_learned`, runs `decoder_blocks` and `decoder_norm`, drops the buffer and adds
/// `diffusion_pos_embed_learned`; each token's output conditions the per-token head `diffloss`.
/// </summary>
public sealed class MarModel : nn.Module
{
    readonly Embedding? class_emb;
    readonly Embedding? caption_emb;
    readonly Parameter fake_latent;
    readonly Linear z_proj;
    readonly LayerNorm z_proj_ln;
    readonly Parameter encoder_pos_embed_learned;
    readonly ModuleList<VitBlock> encoder_blocks;
    readonly LayerNorm encoder_norm;
    readonly Linear decoder_embed;
    readonly Parameter mask_token;
    readonly Parameter decoder_pos_embed_learned;
    readonly ModuleList<VitBlock> decoder_blocks;
    readonly LayerNorm decoder_norm;
    readonly Parameter diffusion_pos_embed_learned;
    readonly DiffLoss diffloss;

    /// <summary>Builds the model (MAR's initialisation) for <paramref name="config"/>; <paramref name="captionVocabularySize"/> rows for a caption-conditioned one.</summary>
    public MarModel(MarConfig config, int captionVocabularySize = 0) : base(nameof(MarModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        int enc = config.EncoderEmbedDim, dec = config.DecoderEmbedDim, len = config.SeqLen + config.BufferSize;
        if (config.IsCaptionConditioned)
        {
            if (captionVocabularySize <= 0) throw new ArgumentException("A caption-conditioned MAR needs the caption vocabulary size.", nameof(captionVocabularySize));
            caption_emb = nn.Embedding(captionVocabularySize, enc);
        }
        else class_emb = nn.Embedding(config.ClassNum, enc);
        fake_latent = new Parameter(zeros(1, enc));
        z_proj = nn.Linear(config.TokenEmbedDim, enc);
        z_proj_ln = nn.LayerNorm(enc, eps: 1e-6);
        encoder_pos_embed_learned = new Parameter(zeros(1, len, enc));
        encoder_blocks = new ModuleList<VitBlock>([.. Enumerable.Range(0, config.EncoderDepth).Select(_ => new VitBlock(enc, config.EncoderNumHeads, config.MlpRatio))]);
        encoder_norm = nn.LayerNorm(enc, eps: 1e-6);
        decoder_embed = nn.Linear(enc, dec);
        mask_token = new Parameter(zeros(1, 1, dec));
        decoder_pos_embed_learned = new Parameter(zeros(1, len, dec));
        decoder_blocks = new ModuleList<VitBlock>([.. Enumerable.Range(0, config.DecoderDepth).Select(_ => new VitBlock(dec, config.DecoderNumHeads, config.MlpRatio))]);
        decoder_norm = nn.LayerNorm(dec, eps: 1e-6);
        diffusion_pos_embed_learned = new Parameter(zeros(1, config.SeqLen, dec));
        RegisterComponents();
        InitializeWeights();
        // The head keeps its own initialisation (MAR builds it after initialize_weights).
        diffloss = new DiffLoss(config.TokenEmbedDim, dec, config.DifflossW, config.DifflossD, config.VelocityWeightCap);
        register_module(nameof(diffloss), diffloss);
    }

    /// <summary>The configuration.</summary>
    public MarConfig Config { get; }

    /// <summary>The per-token diffusion head.</summary>
    public DiffLoss Head => diffloss;

    void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var p in new[] { fake_latent, mask_token, encoder_pos_embed_learned, decoder_pos_embed_learned, diffusion_pos_embed_learned })
            nn.init.normal_(p, 0, 0.02);
        nn.init.normal_((class_emb ?? caption_emb)!.weight!, 0, 0.02);
        foreach (var module in modules())
        {
            if (module is Linear linear)
            {
                nn.init.xavier_uniform_(linear.weight!);
                linear.bias?.zero_();
            }
            else if (module is LayerNorm norm && norm.weight is not null)
            {
                norm.weight.fill_(1);
                norm.bias?.zero_();
            }
        }
    }

    /// <summary>Latents [B, C, H, W] to tokens [B, L, C p p] (MAR's patchify).</summary>
    public Tensor Patchify(Tensor latents)
    {
        long b = latents.shape[0], c = latents.shape[1];
        int p = Config.PatchSize, h = Config.SeqH;
        return latents.reshape(b, c, h, p, h, p).permute(0, 2, 4, 1, 3, 5).reshape(b, (long)h * h, c * p * p);
    }

    /// <summary>Tokens [B, L, C p p] to latents [B, C, H, W].</summary>
    public Tensor Unpatchify(Tensor tokens)
    {
        long b = tokens.shape[0];
        int p = Config.PatchSize, h = Config.SeqH, c = Config.VaeEmbedDim;
        return tokens.reshape(b, h, h, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, (long)h * p, (long)h * p);
    }

    /// <summary>
    /// Buffer embeddings [B, buffer, D] of conditions: class ids [B] fill every slot with the class
    /// embedding (MAR); caption ids [B, buffer] give one token per slot. <paramref name="dropped"/> [B]
    /// (bool) replaces a row by <c>fake_latent</c> (CFG's unconditional branch).
    /// </summary>
    public Tensor ConditionBuffer(Tensor condition, Tensor? dropped = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var scope = NewDisposeScope();
        int buffer = Config.BufferSize;
        Tensor embedded;
        if (class_emb is not null)
        {
            if (condition.dim() != 1) throw new ArgumentException("A class-conditioned MAR takes class ids [B].", nameof(condition));
            embedded = class_emb.call(condition).unsqueeze(1).expand(-1, buffer, -1);
        }
        else
        {
            if (condition.dim() != 2 || condition.shape[1] != buffer)
                throw new ArgumentException($"A caption-conditioned MAR takes caption ids [B, {buffer}].", nameof(condition));
            embedded = caption_emb!.call(condition);
        }
        if (dropped is not null)
        {
            var drop = dropped.to(embedded.dtype).view(-1, 1, 1);
            embedded = drop * fake_latent.unsqueeze(0) + (1 - drop) * embedded;
        }
        return embedded.MoveToOuterDisposeScope();
    }

    /// <summary>The unconditional buffer: <c>fake_latent</c> in every slot, [B, buffer, D].</summary>
    public Tensor FakeBuffer(long batch) => fake_latent.unsqueeze(0).expand(batch, Config.BufferSize, -1);

    /// <summary>
    /// The MAE encoder: tokens [B, L, C], mask [B, L] (1 = unknown, the same count in every row) and the
    /// condition buffer [B, buffer, D]; returns the encoded visible tokens (buffer first) [B, V, D].
    /// </summary>
    public Tensor ForwardEncoder(Tensor tokens, Tensor mask, Tensor buffer)
    {
        using var scope = NewDisposeScope();
        var x = z_proj.call(tokens);
        x = cat([buffer.to(x.dtype), x], 1);
        x = z_proj_ln.call(x + encoder_pos_embed_learned);
        var visible = VisibleIndices(mask);
        x = x.gather(1, visible.unsqueeze(-1).expand(-1, -1, x.shape[2]));
        foreach (var block in encoder_blocks) x = block.call(x);
        return encoder_norm.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>The MAE decoder: encoded visible tokens and the mask; returns per-token conditions [B, L, D_dec].</summary>
    public Tensor ForwardDecoder(Tensor encoded, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var x = decoder_embed.call(encoded);
        long b = x.shape[0], d = x.shape[2];
        var visible = VisibleIndices(mask);
        var padded = mask_token.expand(b, Config.BufferSize + Config.SeqLen, d).clone()
            .scatter(1, visible.unsqueeze(-1).expand(-1, -1, d), x);
        x = padded + decoder_pos_embed_learned;
        foreach (var block in decoder_blocks) x = block.call(x);
        x = decoder_norm.call(x).narrow(1, Config.BufferSize, Config.SeqLen);
        return (x + diffusion_pos_embed_learned).MoveToOuterDisposeScope();
    }

    /// <summary>Positions (buffer included, ascending) of the known tokens: [B, buffer + known].</summary>
    Tensor VisibleIndices(Tensor mask)
    {
        using var scope = NewDisposeScope();
        var withBuffer = cat([zeros(mask.shape[0], Config.BufferSize, dtype: ScalarType.Int64, device: mask.device), mask.to_type(ScalarType.Int64)], 1);
        long known = withBuffer.shape[1] - withBuffer[0].sum().item<long>();
        // A stable sort puts the known positions (0) first, in their original order, as nonzero() does.
        var order = withBuffer.sort(1, descending: false, stable: true).Indices;
        return order.narrow(1, 0, known).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// MAR's training loss for latents [B, C, H, W] (already scaled) and conditions: random orders, one
    /// mask ratio per batch from the truncated Gaussian (or <see cref="MarConfig.MaskRatioSchedule"/>), condition dropout, then the head's loss on the
    /// masked tokens, each repeated <see cref="MarConfig.DiffusionBatchMul"/> times.
    /// </summary>
    public Tensor Loss(Tensor latents, Tensor condition, Random random, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(random);
        using var scope = NewDisposeScope();
        var tokens = Patchify(latents);
        long b = tokens.shape[0], len = tokens.shape[1];
        var target = tokens.detach();
        double rate = MaskRatio.Draw(Config, random);
        int masked = (int)Math.Ceiling(len * rate);
        var mask = MaskRatio.Mask(RandomOrders(b, random, tokens.device), masked, len);
        var dropped = tensor(Enumerable.Range(0, (int)b).Select(_ => random.NextDouble() < Config.LabelDropProb).ToArray(), device: tokens.device);
        var buffer = ConditionBuffer(condition, dropped);
        var z = ForwardDecoder(ForwardEncoder(tokens, mask, buffer), mask);
        int mul = Config.DiffusionBatchMul;
        var flatTarget = target.reshape(b * len, -1).repeat(mul, 1);
        var flatZ = z.reshape(b * len, -1).repeat(mul, 1);
        var flatMask = mask.reshape(b * len).repeat(mul);
        return diffloss.Loss(flatTarget, flatZ, flatMask, generator).MoveToOuterDisposeScope();
    }

    /// <summary>A random generation order per row (a permutation of the token positions), [B, L] long.</summary>
    public Tensor RandomOrders(long batch, Random random, Device? device = null)
    {
        int len = Config.SeqLen;
        var rows = new long[batch * len];
        for (long r = 0; r < batch; r++)
        {
            var order = Enumerable.Range(0, len).Select(i => (long)i).ToArray();
            random.Shuffle(order);
            Array.Copy(order, 0, rows, r * len, len);
        }
        return tensor(rows, device: device).view(batch, len);
    }
}

/// <summary>MAR's masking: the training ratio's truncated Gaussian, the sampler's cosine schedule, masks from orders.</summary>
public static class MaskRatio
{
    /// <summary>A draw from N(1, 0.25) truncated to [<paramref name="min"/>, 1] (scipy truncnorm, by rejection).</summary>
    public static double Sample(Random random, double min)
    {
        ArgumentNullException.ThrowIfNull(random);
        while (true)
        {
            // Box-Muller.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double x = 1.0 + 0.25 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            if (x >= min && x <= 1) return x;
        }
    }

    /// <summary>A training batch's mask ratio under <paramref name="config"/>'s <see cref="MarConfig.MaskRatioSchedule"/>.</summary>
    public static double Draw(MarConfig config, Random random)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.MaskRatioSchedule == MarConfig.CosineMaskSchedule ? SampleCosine(random) : Sample(random, config.MaskRatioMin);
    }

    /// <summary>MaskGIT's training ratio cos(pi/2 u), u uniform in [0, 1): in (0, 1], as often at each fraction as the sampler's cosine schedule.</summary>
    public static double SampleCosine(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Math.Cos(Math.PI / 2 * random.NextDouble());
    }

    /// <summary>Tokens still unknown after AR iteration <paramref name="k"/> of <paramref name="iterations"/>: floor(L cos(pi/2 (k+1)/N)).</summary>
    public static int NextMaskLength(int k, int iterations, int length) =>
        (int)Math.Floor(length * Math.Cos(Math.PI / 2 * (k + 1) / iterations));

    /// <summary>The mask [B, L] (1 = unknown) of the first <paramref name="masked"/> positions of each order.</summary>
    public static Tensor Mask(Tensor orders, int masked, long length)
    {
        ArgumentNullException.ThrowIfNull(orders);
        using var scope = NewDisposeScope();
        var mask = zeros(orders.shape[0], length, device: orders.device);
        if (masked > 0) mask = mask.scatter(1, orders.narrow(1, 0, masked), ones(orders.shape[0], masked, device: orders.device));
        return mask.MoveToOuterDisposeScope();
    }
}
