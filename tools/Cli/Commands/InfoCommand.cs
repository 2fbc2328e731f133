using System.ComponentModel;
using Media.Hosting;
using Media.Modeling.Devices;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands;

internal sealed class InfoCommand : Command<InfoCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--device")]
        [Description("cpu, cuda or cuda:N")]
        [DefaultValue("cpu")]
        public string Device { get; init; } = "cpu";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = DeviceSelector.Resolve(settings.Device);
        var table = new Table().AddColumns("what", "value");
        table.AddRow("runtime", Markup.Escape(TorchRuntime.Describe()));
        table.AddRow("device", Markup.Escape(device.ToString()));
        table.AddRow("models folder", Markup.Escape(new MediaOptions().ResolveModelsDirectory()));
        AnsiConsole.Write(table);
        return 0;
    }
}
