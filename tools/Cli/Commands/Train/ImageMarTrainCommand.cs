using System.ComponentModel;
using Media.Modeling.Training;
using Media.Services.Image.Mar;
using Media.Services.Image.Training;
using Media.Tokenizers.Image.Kl;
using Media.Tokenizers.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Train;

/// <summary>
/// `media train image-mar`: trains the caption-conditioned MAR model (recipe: <see cref="MarTraining"/>)
/// over the KL autoencoder's latents of procedural scenes. Resumable with the same run folder.
/// </summary>
internal sealed class ImageMarTrainCommand : LatentImageTrainCommand<ImageMarTrainCommand.Settings, MarConfig, MarModel>
{
    internal sealed class Settings : LatentImageTrainingSettings
    {
        [CommandOption("--run")]
        [Description("Run folder: checkpoints, train.jsonl, config.json, latents.safetensors")]
        [DefaultValue("runs/image-mar")]
        public override string Run { get; init; } = "runs/image-mar";

        [CommandOption("--dim")]
        [Description("Encoder and decoder width")]
        [DefaultValue(128)]
        public override int Dim { get; init; } = 128;

        [CommandOption("--depth")]
        [Description("Encoder blocks (the decoder has as many)")]
        [DefaultValue(4)]
        public override int Depth { get; init; } = 4;

        [CommandOption("--heads")]
        [Description("Attention heads")]
        [DefaultValue(4)]
        public override int Heads { get; init; } = 4;

        [CommandOption("--head-depth")]
        [Description("Residual blocks of the diffusion head")]
        [DefaultValue(3)]
        public int HeadDepth { get; init; } = 3;

        [CommandOption("--head-width")]
        [Description("Width of the diffusion head")]
        [DefaultValue(256)]
        public int HeadWidth { get; init; } = 256;

        [CommandOption("--text-length")]
        [Description("Caption tokens (the buffer size)")]
        [DefaultValue(24)]
        public override int TextLength { get; init; } = 24;

        [CommandOption("--ema")]
        [Description("EMA decay of the weights (MAR: 0.9999; shorter runs want less)")]
        [DefaultValue(0.999)]
        public override double Ema { get; init; } = 0.999;

        [CommandOption("--sampling-max-timestep")]
        [Description("Largest timestep the exported model's fixed-step head sampler starts from (0: all 1000, as MAR; see MarConfig)")]
        [DefaultValue(950)]
        public int SamplingMaxTimestep { get; init; } = 950;

        [CommandOption("--velocity-weight-cap")]
        [Description("Weight the head's epsilon loss as the velocity's, min(1/abar_t, cap) per timestep (0: MAR's plain epsilon loss; see MarConfig)")]
        [DefaultValue(50.0)]
        public double VelocityWeightCap { get; init; } = 50;

        [CommandOption("--mask-schedule")]
        [Description("How each batch's training mask ratio is drawn: truncnorm (MAR: 0.7 to 1) or cosine (MaskGIT's cos(pi/2 u): also mostly known scenes, as the sampler's later iterations see them; see MarConfig)")]
        [DefaultValue("truncnorm")]
        public string MaskSchedule { get; init; } = "truncnorm";

        public override ValidationResult Validate()
        {
            if (MaskSchedule is not ("truncnorm" or MarConfig.CosineMaskSchedule)) return ValidationResult.Error("--mask-schedule must be truncnorm or cosine.");
            if (VelocityWeightCap != 0 && !(VelocityWeightCap >= 1)) return ValidationResult.Error("--velocity-weight-cap must be 0 (off) or at least 1.");
            if (HeadDepth <= 0 || HeadWidth <= 0) return ValidationResult.Error("Sizes must be positive.");
            if (SamplingMaxTimestep is < 0 or > 999) return ValidationResult.Error("--sampling-max-timestep must lie in 0..999 (0: all timesteps).");
            return base.Validate();
        }
    }

    protected override MarConfig Config(Settings settings, KlConfig vae, CaptionVocabulary vocabulary, string vaeSha256) => new()
    {
        ImgSize = 64, VaeStride = vae.DownsampleFactor, PatchSize = settings.Patch, VaeEmbedDim = vae.EmbedDim,
        EncoderEmbedDim = settings.Dim, EncoderDepth = settings.Depth, EncoderNumHeads = settings.Heads,
        DecoderEmbedDim = settings.Dim, DecoderDepth = settings.Depth, DecoderNumHeads = settings.Heads,
        BufferSize = settings.TextLength, CaptionGpt2Ids = vocabulary.Gpt2Ids.ToArray(),
        DifflossD = settings.HeadDepth, DifflossW = settings.HeadWidth, VaeSha256 = vaeSha256,
        SamplingMaxTimestep = settings.SamplingMaxTimestep > 0 ? settings.SamplingMaxTimestep : null,
        VelocityWeightCap = settings.VelocityWeightCap > 0 ? settings.VelocityWeightCap : null,
        MaskRatioSchedule = settings.MaskSchedule == MarConfig.CosineMaskSchedule ? MarConfig.CosineMaskSchedule : null,
    };

    // The run pins the architecture; the sampler's start timestep only travels with the exported model.
    protected override (string File, string Json) RunConfig(MarConfig config) => (MarCheckpoint.ConfigFile, (config with { SamplingMaxTimestep = null }).ToJson());

    // main_mar.py: AdamW with weight decay 0.02 and betas (0.9, 0.95), gradients clipped at 3.0.
    protected override double WeightDecay => 0.02;

    protected override double? Beta2 => 0.95;

    protected override double MaxGradNorm => 3.0;

    protected override LatentImageTraining<MarConfig, MarModel> Start(MarConfig config, Settings settings, TrainerOptions schedule, AutoencoderKl vae, string vaeSha256, Device device) =>
        new MarTraining(new MarTrainingOptions { Config = config, Samples = settings.Samples, Batch = settings.Batch, DataSeed = (ulong)settings.DataSeed },
            schedule, vae, vaeSha256, device);

    protected override string Tokens(MarConfig config) => $"{config.SeqLen} tokens of {config.TokenEmbedDim} values";
}
