using System.ComponentModel;
using Media.Hosting.Keys;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Keys;

internal sealed class KeysCreateCommand : AsyncCommand<KeysCreateCommand.Settings>
{
    internal sealed class Settings : KeysSettings
    {
        [CommandOption("--name <NAME>")]
        [Description("Who or what the key is for (shown by `keys list`)")]
        public string Name { get; init; } = "";

        [CommandOption("--scope <SCOPE>")]
        [Description("jobs (own jobs, artifacts and batches) or admin (everyone's, and /metrics); repeat for several; default jobs")]
        public string[] Scopes { get; init; } = [];

        [CommandOption("--requests-per-minute <N>")]
        [Description("This key's rate limit; default: Media:Keys:RequestsPerMinute")]
        public int? RequestsPerMinute { get; init; }

        [CommandOption("--max-active-jobs <N>")]
        [Description("Unfinished interactive jobs at once; default: Media:Keys:MaxActiveJobs")]
        public int? MaxActiveJobs { get; init; }

        [CommandOption("--max-queued-jobs <N>")]
        [Description("Queued interactive jobs at once; default: Media:Keys:MaxQueuedJobs")]
        public int? MaxQueuedJobs { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Name)) return ValidationResult.Error("--name is required");
            if (Scopes.FirstOrDefault(s => !ApiKeyScopes.All.Contains(s, StringComparer.Ordinal)) is { } unknown)
                return ValidationResult.Error($"--scope must be {string.Join(" or ", ApiKeyScopes.All)}, not '{unknown}'");
            if (RequestsPerMinute is < 1 || MaxActiveJobs is < 1 || MaxQueuedJobs is < 1) return ValidationResult.Error("limits must be at least 1");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (keys, database) = settings.Open();
        await using var _ = database;
        string[] scopes = settings.Scopes.Length > 0 ? settings.Scopes : [ApiKeyScopes.Jobs];
        var (key, token) = await keys.CreateAsync(settings.Name, scopes, cancellationToken, settings.RequestsPerMinute, settings.MaxActiveJobs, settings.MaxQueuedJobs);
        // The token on a line of its own, unstyled, so scripts can take it: it is shown only this once.
        Console.WriteLine($"id: {key.Id}");
        Console.WriteLine($"scopes: {string.Join(' ', key.Scopes)}");
        Console.WriteLine($"token: {token}");
        Console.Error.WriteLine("Keep the token now: only its hash is stored. Send it as 'Authorization: Bearer <token>'.");
        return 0;
    }
}
