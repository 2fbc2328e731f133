using Media.Modeling.Devices;
using Media.Modeling.Diffusion;
using Media.Services.Image.Data;
using Media.Services.Image.MagicMix;
using Media.Services.Image.Mar;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Services.Image.LatentDiffusion;

/// <summary>
/// The latent DiT with its KL autoencoder and caption encoding: plain text-to-image (DDIM through the shared
/// <see cref="GaussianDiffusion"/> with classifier-free guidance against the empty caption) and the guided denoisers
/// MagicMix drives. Not thread-safe: one caller at a time (the generator's loop, or an evaluation).
/// </summary>
public sealed class LdmPipeline : IDisposable
{
    /// <summary>Serves <paramref name="model"/> with <paramref name="vae"/> (takes ownership of both).</summary>
    public LdmPipeline(LatentDiT model, AutoencoderKl vae)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vae);
        if (model.Config.VaeEmbedDim != vae.Config.EmbedDim || model.Config.VaeStride != vae.Config.DownsampleFactor)
            throw new ArgumentException("The latent DiT was not built for this VAE's latents.", nameof(vae));
        Model = model;
        Vae = vae;
        Model.eval();
        Vae.eval();
        Captions = new MarCaptions(new CaptionVocabulary(model.Config.CaptionGpt2Ids), model.Config.TextLength);
        Diffusion = model.Config.CreateDiffusion();
    }

    /// <summary>The model folder name under the models directory (MagicMix's base model).</summary>
    public const string ModelFolder = "magicmix";

    /// <summary>The KL autoencoder folder name under the models directory.</summary>
    public const string VaeFolder = "image-vae";

    /// <summary>Loads a model folder with the VAE folder it was trained on (checked by the weights' hash).</summary>
    public static LdmPipeline Load(string modelDirectory, string vaeDirectory, Device device)
    {
        var config = LdmCheckpoint.ReadConfig(modelDirectory);
        return Generation.TokenizerPairing.Load(config.VaeSha256, Path.Combine(vaeDirectory, KlModelFolder.WeightsFile), modelDirectory, "VAE", "media train image-ldm",
            () => KlModelFolder.Load(vaeDirectory, device), vae => new LdmPipeline(LdmCheckpoint.Load(modelDirectory, device), vae));
    }

    /// <summary>The denoiser.</summary>
    public LatentDiT Model { get; }

    /// <summary>The autoencoder whose latents the model denoises.</summary>
    public AutoencoderKl Vae { get; }

    /// <summary>Captions to ids.</summary>
    public MarCaptions Captions { get; }

    /// <summary>The training process.</summary>
    public GaussianDiffusion Diffusion { get; }

    /// <summary>Image side in pixels.</summary>
    public int ImageSize => Model.Config.ImgSize;

    Device Device => Model.parameters().First().device;

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="prompt"/> is empty or longer than the model reads.</summary>
    public void CheckPrompt(string prompt, string field)
    {
        if (string.IsNullOrWhiteSpace(prompt)) throw new ArgumentException($"{field} must not be empty.", field);
        try { Captions.Encode(prompt); }
        catch (ArgumentException e) { throw new ArgumentException(e.Message, field, e); }
    }

    /// <summary>Scaled latents (posterior means, deterministic) of images of the model's size.</summary>
    public Tensor EncodeImages(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        return Vae.EncodeScaled(ImageTensors.ToTensor(images, Device), sample: false).MoveToOuterDisposeScope();
    }

    /// <summary>Images from scaled latents.</summary>
    public RgbImage[] DecodeImages(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        using var scope = NewDisposeScope();
        return ImageTensors.FromTensor(Vae.DecodeScaled(latents).cpu());
    }

    /// <summary>
    /// A classifier-free guided denoiser, one row per content prompt: eps = u + s (c − u) with the empty caption as u, batched
    /// [cond; uncond] in one model call. <paramref name="layoutPrompts"/> (text-text mode) condition the layout branch.
    /// <paramref name="contentWeight"/> re-weights the conditional branch's cross-attention to the content prompt's tokens (not
    /// the pads). The caption encodings it holds live in the caller's dispose scope.
    /// </summary>
    public MixDenoiser Denoiser(IReadOnlyList<string> contentPrompts, IReadOnlyList<string>? layoutPrompts, double guidance, double contentWeight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(contentPrompts);
        if (layoutPrompts is not null && layoutPrompts.Count != contentPrompts.Count)
            throw new ArgumentException("Give one layout prompt per content prompt.", nameof(layoutPrompts));
        var device = Device;
        Tensor Pair(IReadOnlyList<string> captions)
        {
            using var scope = NewDisposeScope();
            using var inFlight = FinalizerGate.Enter();
            using var noGrad = no_grad();
            var ids = Captions.EncodeBatch(captions, device);
            return Model.EncodeCaption(cat([ids, zeros_like(ids)], 0)).MoveToOuterDisposeScope();
        }
        var contentPair = Pair(contentPrompts);
        var layoutPair = layoutPrompts is null ? null : Pair(layoutPrompts);
        Tensor? contentWeights = null;
        if (contentWeight != 1.0)
        {
            using var scope = NewDisposeScope();
            var isWord = Captions.EncodeBatch(contentPrompts, device).ne(CaptionVocabulary.Pad).to_type(ScalarType.Float32);
            contentWeights = cat([isWord * (contentWeight - 1) + 1, ones_like(isWord)], 0).MoveToOuterDisposeScope();
        }
        return (x, t, prompt) =>
        {
            using var inFlight = FinalizerGate.Enter();
            using var noGrad = no_grad();
            using var inner = NewDisposeScope();
            var pair = prompt == MixPrompt.Content ? contentPair : layoutPair ?? throw new InvalidOperationException("This mix has no layout prompt.");
            var chunks = Model.Denoise(cat([x, x], 0), cat([t, t], 0), pair, prompt == MixPrompt.Content ? contentWeights : null).chunk(2, 0);
            return (chunks[1] + guidance * (chunks[0] - chunks[1])).MoveToOuterDisposeScope();
        };
    }

    /// <summary>Plain text-to-image: DDIM with <paramref name="steps"/> steps from noise drawn by <paramref name="generator"/>, one image per prompt.</summary>
    public RgbImage[] Generate(IReadOnlyList<string> prompts, double guidance, int steps, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        return DecodeImages(GenerateLatents(prompts, guidance, steps, NewNoise(prompts.Count, generator)));
    }

    /// <summary>Standard normal latents [rows, C, h, w] from <paramref name="generator"/>, on the model's device.</summary>
    public Tensor NewNoise(int rows, Generator generator)
    {
        int n = Model.Config.LatentSize;
        using var scope = NewDisposeScope();
        return randn([rows, Model.Config.VaeEmbedDim, n, n], generator: generator).to(Device).MoveToOuterDisposeScope();
    }

    /// <summary>Plain text-to-image latents from <paramref name="noise"/> (x_T): the shared DDIM loop with guidance.</summary>
    public Tensor GenerateLatents(IReadOnlyList<string> prompts, double guidance, int steps, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        var denoise = Denoiser(prompts, null, guidance);
        return Diffusion.Respace($"ddim{steps}").DdimSampleLoop((x, t) => denoise(x, t, MixPrompt.Content), noise).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        Vae.Dispose();
    }
}
