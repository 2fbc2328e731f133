using System.ComponentModel;
using Media.Hosting.Keys;
using Media.Hosting.Storage;
using Spectre.Console.Cli;

namespace Media.Cli.Commands.Keys;

/// <summary>The data folder whose <c>media.db</c> holds the keys: the gateway's <c>Media:DataDirectory</c>.</summary>
internal class KeysSettings : CommandSettings
{
    [CommandOption("--data-dir <DIR>")]
    [Description("The gateway's data folder (Media:DataDirectory); default: data under the working directory, as the gateway's default")]
    [DefaultValue("data")]
    public string DataDirectory { get; init; } = "data";

    /// <summary>The key service over the folder's database (which is created if missing, as the gateway would).</summary>
    public (ApiKeyService Keys, SqliteDatabase Database) Open()
    {
        var database = new SqliteDatabase(Path.Combine(Path.GetFullPath(DataDirectory), "media.db"));
        return (new ApiKeyService(new SqliteApiKeyStore(database), TimeProvider.System), database);
    }
}
