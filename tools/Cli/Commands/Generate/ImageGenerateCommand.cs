using System.ComponentModel;
using Media.Services.Image.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Generate;

/// <summary><c>media generate image "prompt" -o out.png</c>: one image from the Token-Shuffle model, with a progress bar.</summary>
internal sealed class ImageGenerateCommand : AsyncCommand<ImageGenerateCommand.Settings>
{
    internal sealed class Settings : ImageModelOptions
    {
        [CommandArgument(0, "<prompt>")]
        [Description("What to draw, e.g. \"a small red circle to the left of a blue square\"")]
        public string Prompt { get; init; } = "";

        [CommandOption("-o|--output")]
        [Description("PNG file to write")]
        [DefaultValue("out.png")]
        public string Output { get; init; } = "out.png";

        [CommandOption("--seed")]
        [DefaultValue(0UL)]
        public ulong Seed { get; init; }

        [CommandOption("--cfg")]
        [Description("Classifier-free guidance scale (half-linear schedule; 1 = none)")]
        [DefaultValue(ImageRequest.DefaultGuidance)]
        public double Cfg { get; init; } = ImageRequest.DefaultGuidance;

        [CommandOption("--top-k")]
        [DefaultValue(100)]
        public int TopK { get; init; } = 100;

        [CommandOption("--top-p")]
        [DefaultValue(1.0)]
        public double TopP { get; init; } = 1.0;

        [CommandOption("--temperature")]
        [DefaultValue(1.0)]
        public double Temperature { get; init; } = 1.0;

        [CommandOption("--previews")]
        [Description("Also write the previews next to the output (out.preview-N.png)")]
        public bool Previews { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Prompt) ? ValidationResult.Error("Give a prompt.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = settings.ApplyTorch();
        using var generator = TokenShuffleGenerator.Load(settings.ModelDirectory(), settings.VqDirectory(), device, maxConcurrent: 1);
        var request = new ImageRequest(settings.Prompt)
        {
            GuidanceScale = settings.Cfg,
            Sampling = new() { Temperature = settings.Temperature, TopK = settings.TopK, TopP = settings.TopP, Seed = settings.Seed },
        };
        string stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.Output))!, Path.GetFileNameWithoutExtension(settings.Output));
        var image = await AnsiConsole.Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask("windows", maxValue: generator.Model.Config.Windows);
            return await generator.GenerateAsync(request, async p =>
            {
                task.Value = p.Window;
                if (settings.Previews && p.Preview is { } preview)
                    await File.WriteAllBytesAsync($"{stem}.preview-{p.Window}.png", preview.EncodePng(), cancellationToken);
            }, cancellationToken);
        });
        await File.WriteAllBytesAsync(settings.Output, image.EncodePng(), cancellationToken);
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(settings.Output)}[/] ({image.Width}x{image.Height}, seed {settings.Seed})");
        return 0;
    }
}
