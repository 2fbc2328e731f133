using System.Globalization;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Keys;

internal sealed class KeysListCommand : AsyncCommand<KeysSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KeysSettings settings, CancellationToken cancellationToken)
    {
        var (keys, database) = settings.Open();
        await using var _ = database;
        // One key per line, tab-separated, so it reads in a terminal and in scripts alike (never a token: only hashes are stored).
        Console.WriteLine(string.Join('\t', "id", "name", "scopes", "created", "revoked", "requests/min", "active jobs", "queued jobs"));
        foreach (var key in await keys.ListAsync(cancellationToken))
        {
            Console.WriteLine(string.Join('\t', key.Id, key.Name, string.Join(' ', key.Scopes), Time(key.CreatedAt), key.RevokedAt is { } r ? Time(r) : "-",
                Limit(key.RequestsPerMinute), Limit(key.MaxActiveJobs), Limit(key.MaxQueuedJobs)));
        }
        return 0;
    }

    static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Limit(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "default";
}
