using System.Text.RegularExpressions;
using Media.Hosting.Keys;
using Media.Hosting.Storage;
using Microsoft.Data.Sqlite;

namespace Media.Cli.Tests.Commands.Keys;

public sealed partial class KeysCommandTests : IDisposable
{
    readonly string data = Directory.CreateTempSubdirectory("media-keys-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task Create_prints_a_token_once_that_authenticates_list_shows_the_key_and_revoke_ends_it()
    {
        var (code, output) = await CliProcess.RunAsync("keys", "create", "--name", "ci runner", "--scope", "jobs", "--requests-per-minute", "30", "--data-dir", data);
        Assert.Equal(0, code);
        string id = IdLine().Match(output).Groups[1].Value;
        string token = TokenLine().Match(output).Groups[1].Value;
        Assert.StartsWith(ApiKeyService.TokenPrefix, token, StringComparison.Ordinal);

        // The gateway's own look-up over the same database finds the key; only the hash is stored.
        using (var database = new SqliteDatabase(Path.Combine(data, "media.db")))
        {
            var keys = new ApiKeyService(new SqliteApiKeyStore(database), TimeProvider.System);
            var key = await keys.AuthenticateAsync(token, CancellationToken.None);
            Assert.Equal((id, "ci runner", 30), (key?.Id, key?.Name, key?.RequestsPerMinute));
            Assert.DoesNotContain(token, await File.ReadAllTextAsync(Path.Combine(data, "media.db")), StringComparison.Ordinal);
        }

        (code, output) = await CliProcess.RunAsync("keys", "list", "--data-dir", data);
        Assert.Equal(0, code);
        Assert.Contains($"{id}\tci runner\tjobs\t", output, StringComparison.Ordinal);
        Assert.DoesNotContain(token, output, StringComparison.Ordinal);

        (code, output) = await CliProcess.RunAsync("keys", "revoke", id, "--data-dir", data);
        Assert.Equal(0, code);
        (_, output) = await CliProcess.RunAsync("keys", "list", "--data-dir", data);
        Assert.Matches($@"(?m)^{id}\t.*\t\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\t\d{{4}}-", output); // a revoked time
        SqliteConnection.ClearAllPools();
        using (var database = new SqliteDatabase(Path.Combine(data, "media.db")))
        {
            var keys = new ApiKeyService(new SqliteApiKeyStore(database), TimeProvider.System);
            Assert.Null(await keys.AuthenticateAsync(token, CancellationToken.None));
        }
    }

    [Fact]
    public async Task An_unknown_scope_or_key_is_refused_with_a_clear_message()
    {
        var (code, output) = await CliProcess.RunAsync("keys", "create", "--name", "x", "--scope", "root", "--data-dir", data);
        Assert.NotEqual(0, code);
        Assert.Contains("--scope must be jobs or admin", output, StringComparison.Ordinal);

        (code, output) = await CliProcess.RunAsync("keys", "revoke", "key_missing", "--data-dir", data);
        Assert.NotEqual(0, code);
        Assert.Contains("No key with id 'key_missing'", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?m)^id: (key_\w+)\s*$")]
    private static partial Regex IdLine();

    [GeneratedRegex(@"(?m)^token: (\S+)\s*$")]
    private static partial Regex TokenLine();
}
