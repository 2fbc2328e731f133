using System.ComponentModel;
using Media.Modeling.Training;
using Media.Services.Image.LatentDiffusion;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-ldm`: trains the text-conditioned latent DiT (recipe: <see cref="LdmTraining"/>), MagicMix's base
/// model, over the KL autoencoder's latents of procedural scenes. Resumable with the same run folder.
/// </summary>
internal sealed class ImageLdmTrainCommand : LatentImageTrainCommand<ImageLdmTrainCommand.Settings, LdmConfig, LatentDiT>
{
    internal sealed class Settings : LatentImageTrainingSettings
    {
        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json, latents.safetensors")]
        [DefaultValue("runs/image-ldm")]
        public override string Run { get; init; } = "runs/image-ldm";

        [CommandOption("--dim")]
        [Description("Width of the DiT and of the caption encoder")]
        [DefaultValue(192)]
        public override int Dim { get; init; } = 192;

        [CommandOption("--depth")]
        [Description("DiT blocks")]
        [DefaultValue(6)]
        public override int Depth { get; init; } = 6;

        [CommandOption("--heads")]
        [Description("Attention heads")]
        [DefaultValue(6)]
        public override int Heads { get; init; } = 6;

        [CommandOption("--text-depth")]
        [Description("Blocks of the caption encoder")]
        [DefaultValue(2)]
        public int TextDepth { get; init; } = 2;

        [CommandOption("--text-length")]
        [Description("Caption tokens")]
        [DefaultValue(24)]
        public override int TextLength { get; init; } = 24;

        [CommandOption("--schedule")]
        [Description("Noise schedule: scaled_linear (Stable Diffusion's, MagicMix's base), linear or cosine")]
        [DefaultValue("scaled_linear")]
        public string NoiseSchedule { get; init; } = "scaled_linear";

        [CommandOption("--ema")]
        [Description("EMA decay of the weights (0: none)")]
        [DefaultValue(0.999)]
        public override double Ema { get; init; } = 0.999;

        public override ValidationResult Validate() => TextDepth < 0 ? ValidationResult.Error("Sizes must be positive.") : base.Validate();
    }

    protected override LdmConfig Config(Settings settings, KlConfig vae, CaptionVocabulary vocabulary, string vaeSha256) => new()
    {
        ImgSize = 64, VaeStride = vae.DownsampleFactor, VaeEmbedDim = vae.EmbedDim, PatchSize = settings.Patch,
        HiddenSize = settings.Dim, Depth = settings.Depth, NumHeads = settings.Heads, TextDepth = settings.TextDepth,
        TextLength = settings.TextLength, CaptionGpt2Ids = vocabulary.Gpt2Ids.ToArray(), NoiseSchedule = settings.NoiseSchedule,
        VaeSha256 = vaeSha256,
    };

    protected override (string File, string Json) RunConfig(LdmConfig config) => (LdmCheckpoint.ConfigFile, config.ToJson());

    protected override double WeightDecay => 0.0;

    protected override LatentImageTraining<LdmConfig, LatentDiT> Start(LdmConfig config, Settings settings, TrainerOptions schedule, AutoencoderKl vae, string vaeSha256, Device device) =>
        new LdmTraining(new LdmTrainingOptions { Config = config, Samples = settings.Samples, Batch = settings.Batch, DataSeed = (ulong)settings.DataSeed },
            schedule, vae, vaeSha256, device);

    protected override string Tokens(LdmConfig config) => $"{config.GridSize * config.GridSize} tokens of {config.TokenDim} values";
}
