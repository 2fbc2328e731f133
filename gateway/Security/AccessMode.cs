using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Security;

/// <summary>
/// Whether a request needs a key. With <see cref="KeysRequired.Auto"/> that is decided once the server
/// listens: keys stay optional only when every address is loopback (<c>localhost</c>, 127.0.0.0/8, ::1).
/// Until then they are required, so nothing is open during start-up.
/// </summary>
public sealed class AccessMode(IOptions<KeyOptions> options)
{
    volatile bool keysRequired = true;

    public bool KeysRequired => keysRequired;

    /// <summary>The addresses the server listens on; none (the in-memory test server) counts as loopback.</summary>
    internal void Listening(IReadOnlyCollection<string> addresses) =>
        keysRequired = options.Value.Required == Security.KeysRequired.Always || !addresses.All(IsLoopback);

    internal static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal),
                UriKind.Absolute, out var uri)) return false;
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>Reads the addresses once the server has started, and says what that means in the log.</summary>
    internal sealed class Probe(AccessMode mode, IServer server, Media.Hosting.Keys.IApiKeyStore keys, ILogger<AccessMode> logger) : IHostedLifecycleService
    {
        public async Task StartedAsync(CancellationToken cancellationToken)
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
            mode.Listening(addresses);
            if (!mode.KeysRequired)
            {
                logger.LogInformation("Listening on loopback only: API keys are optional (requests without one act as the local user)");
                return;
            }
            var live = (await keys.ListAsync(cancellationToken)).Count(k => !k.IsRevoked);
            if (live == 0)
                logger.LogWarning("API keys are required on {Addresses} and none exists yet: create one with `media keys create --name NAME --scope jobs --data-dir DATA`",
                    string.Join(", ", addresses));
            else
                logger.LogInformation("API keys are required ({Count} live keys)", live);
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
