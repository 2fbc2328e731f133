using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Media.Hosting.Coordination;
using Npgsql;

namespace Media.Hosting.Postgres;

/// <summary>
/// <see cref="IExclusiveLocks"/> over PostgreSQL session advisory locks (<c>pg_try_advisory_lock</c>): the holder keeps a
/// connection open while it works and unlocks at the end; if its process dies the connection closes and the server frees
/// the lock, so another gateway takes the work over at its next try.
/// </summary>
public sealed class PostgresExclusiveLocks(PostgresDatabase database) : IExclusiveLocks
{
    public bool Shared => true;

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long key = Key(name);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) return new Held(connection, key);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>A 64-bit lock key from the name (SHA-256's first 8 bytes), under a prefix so it cannot meet the migration lock.</summary>
    internal static long Key(string name) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("media-exclusive:" + name)));

    sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        int released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) != 0) return;
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException) { } // the connection is gone: the server freed the lock with it
            finally { await connection.DisposeAsync().ConfigureAwait(false); }
        }
    }
}
