using Media.Hosting;
using Media.Hosting.Models;
using Media.Services.Audio.Codec;
using Microsoft.Extensions.Hosting;

namespace Media.Services.Audio;

public static class AudioServiceExtensions
{
    /// <summary>The audio family: speech and the discrete audio tokenizer.</summary>
    public static IHostApplicationBuilder AddAudioService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddModelSlot(new ModelSlot("ardit-tts", "audio", ["speech"],
            "Text-to-speech: autoregressive diffusion transformer over mel-VAE latents", "ardit-tts"));
        builder.Services.AddModelSlot(new ModelSlot("media-codec", "audio", ["audio-encode", "audio-decode"],
            "EnCodec-architecture neural audio codec (RVQ tokens), trained here", "media-codec"));
        builder.Services.AddCodecGenerator();
        // The family's worker: pulls audio jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("audio");
        return builder;
    }
}
