using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Generation;
using Media.Services.Image.TokenShuffle;
using Media.Services.Image.Training;
using Media.Tokenizers.Image;
using Media.Tokenizers.Image.DAr;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench image-dar</c>: images per second of D-AR (64 tokens, then 8 pixel flow steps with a preview per group) against
/// Token-Shuffle (64 windows, then the VQ decoder), each at batch 1 (one request at a time) and batch 8 (8 concurrent requests
/// through the step scheduler), in one run, with wall and process CPU time. Models of the default shapes with random weights:
/// speed does not depend on the weights.
/// </summary>
internal sealed class ImageDArBenchCommand : AsyncCommand<ImageDArBenchCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("--images")]
        [Description("Images per measurement")]
        [DefaultValue(8)]
        public int Images { get; init; } = 8;

        [CommandOption("--token-shuffle")]
        [Description("Token-Shuffle model folder whose shape to copy")]
        [DefaultValue("models/token-shuffle")]
        public string TokenShuffle { get; init; } = "models/token-shuffle";

        [CommandOption("--model")]
        [Description("D-AR model folder whose shape to copy (default: the shapes `media train image-dar(-tokenizer)` train)")]
        public string? Model { get; init; }

        public override ValidationResult Validate() => Images < 1 ? ValidationResult.Error("--images must be positive.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var shuffleShape = TokenShuffleCheckpoint.ReadConfig(settings.TokenShuffle) with { VqSha256 = null };
        var vqConfig = VqModelFolder.ReadConfig(Path.Combine(
            TokenShuffleGenerator.VqDirectoryFor(settings.TokenShuffle, Path.Combine("models", TokenShuffleGenerator.VqFolder)), VqModelFolder.ConfigFile));
        var tokenizerConfig = settings.Model is { } folder
            ? DArTokenizerFolder.ReadConfig(Path.Combine(folder, DArGenerator.TokenizerFolder, DArTokenizerFolder.ConfigFile))
            : new DArTokenizerConfig();
        var darShape = settings.Model is { } f ? TokenShuffleCheckpoint.ReadConfig(f) with { VqSha256 = null }
            : DArTraining.ConfigFor(new TokenShuffleTrainingOptions { Shuffle = 1 }, tokenizerConfig, "bench") with { VqSha256 = null };

        manual_seed(1);
        using var dar = new DArGenerator(Eval(new TokenShuffleModel(darShape), device), Eval(new DArTokenizer(tokenizerConfig), device), settings.Images);
        using var shuffle = new TokenShuffleGenerator(Eval(new TokenShuffleModel(shuffleShape), device), Eval(new VqModel(vqConfig), device), settings.Images);
        AnsiConsole.MarkupLine($"{dar.ImageSize}x{dar.ImageSize} images, CFG on; d-ar: {tokenizerConfig.Tokens} AR steps + {tokenizerConfig.Groups} flow steps "
            + $"(dim {darShape.Dim}, {darShape.NLayer} layers); token-shuffle: {shuffleShape.Windows} AR steps + the VQ decoder (dim {shuffleShape.Dim}, {shuffleShape.NLayer} layers)");

        Func<int, Task> darOne = i => dar.GenerateAsync(BenchClock.ImageRequest(i, 1), null, null, cancellationToken);
        Func<int, Task> shuffleOne = i => shuffle.GenerateAsync(BenchClock.ImageRequest(i, 1), null, cancellationToken);
        await darOne(0);
        await shuffleOne(0);
        var rows = new List<(string Name, double Wall, double Cpu)>();
        async Task Row(string name, Func<Task> run)
        {
            var (wall, cpu) = await BenchClock.MeasureAsync(run);
            rows.Add((name, wall, cpu));
        }
        await Row("d-ar batch 1", () => BenchClock.OneByOne(darOne, settings.Images));
        await Row("token-shuffle batch 1", () => BenchClock.OneByOne(shuffleOne, settings.Images));
        await Row("d-ar batch 8", () => BenchClock.Concurrently(darOne, settings.Images));
        await Row("token-shuffle batch 8", () => BenchClock.Concurrently(shuffleOne, settings.Images));
        var table = new Table().AddColumns("run", "images", "wall s", "cpu s", "images/s");
        foreach (var (name, wall, cpu) in rows)
            table.AddRow(name, settings.Images.ToString(CultureInfo.InvariantCulture), wall.ToString("0.00", CultureInfo.InvariantCulture),
                cpu.ToString("0.00", CultureInfo.InvariantCulture), (settings.Images / wall).ToString("0.000", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"d-ar images/s batch 1: {settings.Images / rows[0].Wall:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"d-ar images/s batch 8: {settings.Images / rows[2].Wall:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"token-shuffle images/s batch 1: {settings.Images / rows[1].Wall:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"token-shuffle images/s batch 8: {settings.Images / rows[3].Wall:0.000}"));
        return 0;
    }

    static T Eval<T>(T module, Device device) where T : nn.Module
    {
        module.to(device).eval();
        return module;
    }
}
