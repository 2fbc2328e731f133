using System.ComponentModel;
using System.Globalization;
using Media.Cli.Commands.Settings;
using Media.Services.Image.Generation;
using Media.Services.Image.TokenShuffle;
using Media.Tokenizers.Image;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Media.Cli.Commands.Bench;

/// <summary>
/// <c>media bench image-ar</c>: what Token-Shuffle and continuous batching buy for image generation, measured side by
/// side in one run on models of the default model's shape with random weights (speed does not depend on the weights):
/// s=2 against s=1 at the same image size, and 8 concurrent requests against the same 8 one by one.
/// </summary>
internal sealed class ImageArBenchCommand : AsyncCommand<ImageArBenchCommand.Settings>
{
    internal sealed class Settings : InferenceSettings
    {
        [CommandOption("--images")]
        [Description("Images per measurement")]
        [DefaultValue(8)]
        public int Images { get; init; } = 8;

        [CommandOption("--rounds")]
        [Description("Alternating rounds (the ratio uses the sums)")]
        [DefaultValue(2)]
        public int Rounds { get; init; } = 2;

        [CommandOption("--model")]
        [Description("Model folder whose shape (width, depth, grid) to copy")]
        [DefaultValue("models/token-shuffle")]
        public string Model { get; init; } = "models/token-shuffle";

        [CommandOption("--vq")]
        [Description("VQ folder whose shape to copy (default: the model's tokenizer/ subfolder, else models/image-vq)")]
        public string? Vq { get; init; }

        public override ValidationResult Validate() =>
            Images < 1 || Rounds < 1 ? ValidationResult.Error("--images and --rounds must be positive.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        var shape = File.Exists(Path.Combine(settings.Model, TokenShuffleCheckpoint.ConfigFile))
            ? TokenShuffleCheckpoint.ReadConfig(settings.Model) with { VqSha256 = null }
            : throw new FileNotFoundException($"No model config in {settings.Model}; the benchmark copies its shape.");
        var vqConfig = VqModelFolder.ReadConfig(Path.Combine(
            settings.Vq ?? TokenShuffleGenerator.VqDirectoryFor(settings.Model, Path.Combine("models", TokenShuffleGenerator.VqFolder)), VqModelFolder.ConfigFile));
        using var s1 = Create(shape with { Shuffle = 1 }, vqConfig, device, settings.Images);
        using var s2 = Create(shape with { Shuffle = 2 }, vqConfig, device, settings.Images);
        AnsiConsole.MarkupLine($"{s2.ImageSize}x{s2.ImageSize} images, {shape.GridSize}x{shape.GridSize} codes, dim {shape.Dim}, {shape.NLayer} layers, CFG on; "
            + $"s=1: {s1.Model.Config.Windows} AR steps per image, s=2: {s2.Model.Config.Windows}");

        // Warm up both once, then alternate so load changes on the machine hit both sides alike.
        Func<int, Task> oneS1 = i => s1.GenerateAsync(BenchClock.ImageRequest(i, 0), null, cancellationToken);
        Func<int, Task> oneS2 = i => s2.GenerateAsync(BenchClock.ImageRequest(i, 0), null, cancellationToken);
        await oneS1(0);
        await oneS2(0);
        double t1 = 0, t2 = 0, sequential = 0, batched = 0, c1 = 0, c2 = 0, cBatched = 0;
        for (int round = 0; round < settings.Rounds; round++)
        {
            var (wall, cpu) = await BenchClock.MeasureAsync(() => BenchClock.OneByOne(oneS1, settings.Images));
            (t1, c1) = (t1 + wall, c1 + cpu);
            (wall, cpu) = await BenchClock.MeasureAsync(() => BenchClock.OneByOne(oneS2, settings.Images));
            (t2, c2) = (t2 + wall, c2 + cpu);
            sequential += wall;
            (wall, cpu) = await BenchClock.MeasureAsync(() => BenchClock.Concurrently(oneS2, settings.Images));
            (batched, cBatched) = (batched + wall, cBatched + cpu);
        }
        int n = settings.Images * settings.Rounds;
        var table = new Table().AddColumns("run", "images", "seconds", "cpu seconds", "s / image");
        void Row(string name, double seconds, double cpuSeconds) => table.AddRow(name, n.ToString(CultureInfo.InvariantCulture),
            seconds.ToString("0.00", CultureInfo.InvariantCulture), cpuSeconds.ToString("0.00", CultureInfo.InvariantCulture),
            (seconds / n).ToString("0.000", CultureInfo.InvariantCulture));
        Row("s=1 one by one", t1, c1);
        Row("s=2 one by one", t2, c2);
        Row($"s=2, {settings.Images} concurrent", batched, cBatched);
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"token-shuffle speedup by cpu time: {c1 / c2:0.00}, batching speedup by cpu time: {c2 / cBatched:0.00}"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"token-shuffle speedup: {t1 / t2:0.00}"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batching speedup: {sequential / batched:0.00}"));
        return 0;
    }

    static TokenShuffleGenerator Create(TokenShuffleConfig config, VqConfig vqConfig, Device device, int concurrent)
    {
        manual_seed(1);
        var model = new TokenShuffleModel(config);
        model.to(device).eval();
        var vq = new VqModel(vqConfig);
        vq.to(device).eval();
        return new TokenShuffleGenerator(model, vq, concurrent);
    }
}
