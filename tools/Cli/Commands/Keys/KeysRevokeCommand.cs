using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Keys;

internal sealed class KeysRevokeCommand : AsyncCommand<KeysRevokeCommand.Settings>
{
    internal sealed class Settings : KeysSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("The key's id (key_..., from `keys list`)")]
        public string Id { get; init; } = "";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (keys, database) = settings.Open();
        await using var _ = database;
        if (!await keys.RevokeAsync(settings.Id, cancellationToken))
        {
            Console.Error.WriteLine($"No key with id '{settings.Id}'.");
            return 1;
        }
        // The gateway looks keys up on every request, so the revocation holds from the next one.
        AnsiConsole.MarkupLine($"revoked: {Markup.Escape(settings.Id)}");
        return 0;
    }
}
