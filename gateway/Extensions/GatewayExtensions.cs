using Media.Modeling.Devices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Media.Audio.Formats;
using Media.Gateway.Security;
using Media.Gateway.Apis.OpenAi.Batches;
using Media.Hosting;
using Media.Hosting.Batches;
using Media.Hosting.Telemetry;
using Media.Services.Audio;
using Media.Services.Image;
using Media.Services.Song;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Media.Gateway.Extensions;

internal static class GatewayExtensions
{
    /// <summary>All of the gateway's services; the model families are hosted in-process (embedded default).</summary>
    public static WebApplicationBuilder AddMediaGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<JobKindSchemaTransformer>());
        builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 1 << 20)
            .AddJsonProtocol(o => Configure(o.PayloadSerializerOptions))
            .AddMessagePackProtocol();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(JobMetrics.MeterName)
            .AddMeter(TorchMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        // Live tensors on /metrics (media bench soak checks that they do not grow); resolved at start-up so the gauges exist.
        builder.Services.AddSingleton<TorchMetrics>();
        builder.AddMediaHosting();
        builder.AddGatewaySecurity();
        // The OpenAI routes a /v1/batches batch can call, read and answered as the routes themselves do.
        builder.Services.AddSingleton<IBatchEndpoint, ImageBatchEndpoint>();
        builder.Services.AddSingleton<IBatchEndpoint, SpeechBatchEndpoint>();
        builder.AddImageService();
        builder.AddAudioService();
        builder.AddSongService();
        builder.Services.AddHostedService<DataDirectoryInitializer>();
        // The output formats this machine can encode, probed once; tests replace it to simulate a missing package.
        builder.Services.AddSingleton(_ => AudioEncoders.Detect());
        builder.Services.AddHostedService<AudioFormatsReport>();
        return builder;
    }

    /// <summary>One JSON style for REST and the hub's JSON protocol: snake_case names, kebab-case enum values.</summary>
    static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
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

    /// <summary>Says once at start which audio formats are off and which package enables them.</summary>
    sealed class AudioFormatsReport(AudioEncoders encoders, ILogger<AudioFormatsReport> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (encoders.MissingSummary() is { } missing)
                logger.LogWarning("{MissingFormats}; speech without response_format is {DefaultFormat}", missing, encoders.DefaultSpeechFormat.Name);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
