using System.ComponentModel;
using Media.Hosting.Keys;
using Media.Hosting.Postgres;
using Media.Hosting.Storage;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Keys;

/// <summary>
/// Where the keys are: the gateway's data folder (<c>media.db</c>, the embedded default) or, in scale-out, the shared
/// PostgreSQL database every gateway reads (<c>--postgres</c>, or the <c>Media__ScaleOut__Postgres</c> variable the gateways use).
/// </summary>
internal class KeysSettings : CommandSettings
{
    [CommandOption("--data-dir <DIR>")]
    [Description("The gateway's data folder (Media:DataDirectory); default: data under the working directory, as the gateway's default")]
    [DefaultValue("data")]
    public string DataDirectory { get; init; } = "data";

    [CommandOption("--postgres <CONNECTION>")]
    [Description("Scale-out: the shared PostgreSQL database (Media:ScaleOut:Postgres; default: the Media__ScaleOut__Postgres variable when set), whose keys every gateway accepts")]
    public string? Postgres { get; init; }

    /// <summary>The key service over the chosen store (a folder's database is created if missing, as the gateway would).</summary>
    public (ApiKeyService Keys, IAsyncDisposable Database) Open()
    {
        string? postgres = Postgres ?? Environment.GetEnvironmentVariable("Media__ScaleOut__Postgres");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            var shared = new PostgresDatabase(postgres);
            return (new ApiKeyService(new PostgresApiKeyStore(shared), TimeProvider.System), shared);
        }
        var database = new SqliteDatabase(Path.Combine(Path.GetFullPath(DataDirectory), "media.db"));
        return (new ApiKeyService(new SqliteApiKeyStore(database), TimeProvider.System), new Disposing(database));
    }

    sealed class Disposing(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
