using Media.Hosting;
using Media.Hosting.Models;
using Microsoft.Extensions.Hosting;

namespace Media.Services.Song;

public static class SongServiceExtensions
{
    /// <summary>The song family: dual-track (vocals + accompaniment) song generation.</summary>
    public static IHostApplicationBuilder AddSongService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddJobKind(SongJobKind.Definition);
        builder.Services.AddModelSlot(new ModelSlot("songgen", "song", [SongJobKind.Name],
            "Lyrics-to-song: SongGen-style dual-track token transformer", "songgen"));
        // The family's worker, where models run: pulls song jobs and runs them on the generators registered for these slots.
        if (builder.RunsModels()) builder.Services.AddFamilyWorker("song");
        return builder;
    }
}
