using Media.Hosting;
using Media.Hosting.Models;
using Media.Modeling.Devices;
using Media.Services.Song.Generation;
using Media.Services.Song.LeVo.Generation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Media.Services.Song;

public static class SongServiceExtensions
{
    /// <summary>The song family: SongGen (every mode) and LeVo, dual-track (vocals + accompaniment) song generation.</summary>
    public static IHostApplicationBuilder AddSongService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddJobKind(SongJobKind.Definition);
        builder.Services.AddModelSlot(new ModelSlot("songgen", "song", [SongJobKind.Name],
            "Lyrics-to-song: SongGen-style dual-track token transformer", "songgen"));
        builder.Services.AddModelSlot(new ModelSlot(SongGenerator.LeVoFolder, "song", [SongJobKind.Name],
            "Lyrics-to-song: LeVo's LeLM, a main LM over mixed tokens and an AR sub-decoder over vocal and accompaniment tokens", SongGenerator.LeVoFolder));
        if (!builder.RunsModels()) return builder;
        builder.Services.AddTorchOptions();
        // Loaded on the first song job from models/songgen (refused while untrained) and models/media-codec; as many songs
        // step together as the song worker runs jobs at once (Media:Jobs:Concurrency:song).
        builder.Services.AddGenerator("songgen", sp =>
        {
            var options = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            var device = DeviceSelector.Apply(sp.GetService<IOptions<TorchOptions>>()?.Value ?? new());
            return new SongGenerator(SongGenLoader.Load(options.ResolveModelsDirectory(), device,
                sp.GetRequiredService<IOptions<JobsOptions>>().Value.ConcurrencyOf("song")));
        });
        // LeVo: loaded on the first levo job from models/levo (refused until both stages are trained) and models/media-codec.
        builder.Services.AddGenerator(SongGenerator.LeVoFolder, sp =>
        {
            var options = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            var device = DeviceSelector.Apply(sp.GetService<IOptions<TorchOptions>>()?.Value ?? new());
            return new SongGenerator(LeVoLoader.Load(options.ResolveModelsDirectory(), device,
                sp.GetRequiredService<IOptions<JobsOptions>>().Value.ConcurrencyOf("song")));
        });
        // The family's worker, where models run: pulls song jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("song");
        return builder;
    }
}
