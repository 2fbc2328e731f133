using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Media.Hosting;

/// <summary>Chooses the shared engines of the scale-out mode from <c>Media:ScaleOut</c> (see <see cref="ScaleOutOptions"/>).</summary>
public static class ScaleOutExtensions
{
    internal static void AddScaleOutEngines(this IHostApplicationBuilder builder, MediaRole role)
    {
        var options = builder.Configuration.GetSection(ScaleOutOptions.Section).Get<ScaleOutOptions>() ?? new ScaleOutOptions();
        if (role != MediaRole.Embedded && (string.IsNullOrWhiteSpace(options.Redis) || string.IsNullOrWhiteSpace(options.Postgres)))
            throw new InvalidOperationException(
                $"Media:Role={role.ToString().ToLowerInvariant()} shares its jobs with other processes: set Media:ScaleOut:Redis and Media:ScaleOut:Postgres (see docs/DEPLOYMENT.md).");
    }
}
