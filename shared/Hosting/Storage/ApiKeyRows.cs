using System.Data.Common;
using Media.Hosting.Keys;

namespace Media.Hosting.Storage;

/// <summary>How an API key is read from a row, for every SQL key store (SQLite, PostgreSQL): the same columns, times as Unix milliseconds.</summary>
internal static class ApiKeyRows
{
    public const string Columns = "id, name, scopes, hash, created_at, revoked_at, requests_per_minute, max_active_jobs, max_queued_jobs";

    /// <summary>The key of the reader's current row (selected with <see cref="Columns"/>).</summary>
    public static ApiKey Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Name = reader.GetString(1),
        Scopes = reader.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        Hash = reader.GetString(3),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        RevokedAt = reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        RequestsPerMinute = reader.IsDBNull(6) ? null : reader.GetInt32(6),
        MaxActiveJobs = reader.IsDBNull(7) ? null : reader.GetInt32(7),
        MaxQueuedJobs = reader.IsDBNull(8) ? null : reader.GetInt32(8),
    };
}
