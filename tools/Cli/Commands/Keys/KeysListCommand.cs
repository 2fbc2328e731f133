using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Keys;

internal sealed class KeysListCommand : AsyncCommand<KeysSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KeysSettings settings, CancellationToken cancellationToken)
    {
        var (keys, database) = settings.Open();
        using var _ = database;
        var table = new Table().AddColumns("id", "name", "scopes", "created", "revoked", "requests/min", "active jobs", "queued jobs");
        foreach (var key in await keys.ListAsync(cancellationToken))
        {
            table.AddRow(key.Id, Markup.Escape(key.Name), string.Join(' ', key.Scopes), Time(key.CreatedAt), key.RevokedAt is { } r ? Time(r) : "-",
                Limit(key.RequestsPerMinute), Limit(key.MaxActiveJobs), Limit(key.MaxQueuedJobs));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Limit(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "default";
}
