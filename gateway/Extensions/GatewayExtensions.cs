using Media.Hosting;
using Media.Services.Audio;
using Media.Services.Image;
using Media.Services.Song;
using Microsoft.Extensions.Options;

namespace Media.Gateway.Extensions;

internal static class GatewayExtensions
{
    /// <summary>All of the gateway's services; the model families are hosted in-process (embedded default).</summary>
    public static WebApplicationBuilder AddMediaGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower));
        });
        builder.AddMediaHosting();
        builder.AddImageService();
        builder.AddAudioService();
        builder.AddSongService();
        builder.Services.AddHostedService<DataDirectoryInitializer>();
        return builder;
    }

    /// <summary>Creates the data folder at start so a bad path fails the start, not the first job.</summary>
    sealed class DataDirectoryInitializer(IOptions<MediaOptions> options, ILogger<DataDirectoryInitializer> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            string dir = options.Value.ResolveDataDirectory();
            Directory.CreateDirectory(dir);
            logger.LogInformation("Data folder: {DataDirectory}", dir);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
