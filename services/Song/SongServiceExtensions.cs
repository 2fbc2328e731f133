using Media.Hosting;
using Media.Hosting.Models;
using Media.Modeling.Devices;
using Media.Services.Song.Generation;
using Media.Services.Song.LeVo.Generation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace Media.Services.Song;

public static class SongServiceExtensions
{
    /// <summary>The song family: SongGen (every mode) and LeVo, dual-track (vocals + accompaniment) song generation.</summary>
    public static IHostApplicationBuilder AddSongService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddJobKind(SongJobKind.Definition);
        builder.Services.AddModelSlot(new ModelSlot("songgen", "song", [SongJobKind.Name],
            "Lyrics-to-song: SongGen's single-stage transformer over codec tokens, one mode per trained folder (mixed, mixed-pro or a dual-track one)", "songgen"));
        builder.Services.AddModelSlot(new ModelSlot(SongGenerator.LeVoFolder, "song", [SongJobKind.Name],
            "Lyrics-to-song: LeVo's LeLM, a main LM over mixed tokens and an AR sub-decoder over vocal and accompaniment tokens", SongGenerator.LeVoFolder));
        if (!builder.RunsModels()) return builder;
        builder.Services.AddTorchOptions();
        // Each loaded on its first job, with models/media-codec (refused while untrained: models/songgen with trained_steps 0,
        // models/levo without both stages); as many songs step together as the song worker runs jobs at once
        // (Media:Jobs:Concurrency:song).
        void AddSongModel(string id, Func<string, Device?, int, ISongSynthesizer> load) => builder.Services.AddGenerator(id, sp =>
        {
            var options = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            var device = DeviceSelector.Apply(sp.GetService<IOptions<TorchOptions>>()?.Value ?? new());
            return new SongGenerator(load(options.ResolveModelsDirectory(), device, sp.GetRequiredService<IOptions<JobsOptions>>().Value.ConcurrencyOf("song")));
        });
        AddSongModel(SongGenerator.ModelFolder, (models, device, concurrency) => SongGenLoader.Load(models, device, concurrency));
        AddSongModel(SongGenerator.LeVoFolder, (models, device, concurrency) => LeVoLoader.Load(models, device, concurrency));
        // The family's worker, where models run: pulls song jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("song");
        return builder;
    }
}
