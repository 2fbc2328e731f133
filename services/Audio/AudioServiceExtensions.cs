using Media.Hosting;
using Media.Hosting.Models;
using Media.Services.Audio.Speech;
using Media.Services.Audio.Speech.Generation;
using Microsoft.Extensions.DependencyInjection;
using Media.Services.Audio.Codec;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Media.Modeling.Devices;

namespace Media.Services.Audio;

public static class AudioServiceExtensions
{
    /// <summary>
    /// The audio family: speech and the discrete audio tokenizer. Kinds, slots and limits everywhere; generators and the
    /// family's worker only where models run (not in the gateway role).
    /// </summary>
    public static IHostApplicationBuilder AddAudioService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        bool runsModels = builder.RunsModels();
        if (runsModels) builder.Services.AddTorchOptions();
        builder.Services.AddJobKind(SpeechJobKind.Definition);
        builder.Services.AddJobKind(SpeechEditJobKind.Definition);
        builder.Services.AddJobKind(CodecJobKinds.EncodeDefinition);
        builder.Services.AddJobKind(CodecJobKinds.DecodeDefinition);
        builder.Services.AddModelSlot(new ModelSlot(ArditVoice.Teacher, "audio", [SpeechJobKind.Name, SpeechEditJobKind.Name],
            "Text-to-speech: autoregressive diffusion transformer over mel-VAE latents (edits from the left context)", ArditVoice.Teacher));
        builder.Services.AddModelSlot(new ModelSlot(ArditVoice.Student, "audio", [SpeechJobKind.Name, SpeechEditJobKind.Name],
            "Text-to-speech: the ARDiT voice distilled to one network evaluation per block (media train tts-distill)", ArditVoice.Student));
        builder.Services.AddModelSlot(new ModelSlot(ArditVoice.Infilling, "audio", [SpeechJobKind.Name, SpeechEditJobKind.Name],
            "Text-to-speech and speech editing: the ARDiT voice fine-tuned with fill-in-the-middle, so an edit fits both sides", ArditVoice.Infilling));
        builder.Services.AddModelSlot(new ModelSlot("media-codec", "audio", [CodecJobKinds.Encode, CodecJobKinds.Decode],
            "EnCodec-architecture neural audio codec (RVQ tokens), trained here", "media-codec"));
        // The voice's longest speech and trained block sizes, from its config.json, refuse a job at submission (400) rather than fail it later.
        builder.Services.AddModelLimits(ArditVoice.Teacher, ArditParameterLimits.Describe, ArditParameterLimits.Check);
        builder.Services.AddModelLimits(ArditVoice.Student, ArditParameterLimits.Describe, ArditParameterLimits.Check);
        builder.Services.AddModelLimits(ArditVoice.Infilling, ArditParameterLimits.Describe, ArditParameterLimits.Check);
        if (!runsModels) return builder;
        // Each voice is loaded on its first speech job, with its latent decoder, the prompt encoder over the same VAE (and, on its first edit, the aligner).
        foreach (string name in new[] { ArditVoice.Teacher, ArditVoice.Student, ArditVoice.Infilling })
            builder.Services.AddGenerator(name, sp =>
            {
                var options = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
                var torchOptions = sp.GetService<IOptions<Media.Modeling.Devices.TorchOptions>>()?.Value ?? new();
                var device = Media.Modeling.Devices.DeviceSelector.Apply(torchOptions);
                string models = options.ResolveModelsDirectory();
                // Media:Torch:Dtype applies to the DiT (weights and cache); the VAE decoder and vocoder stay float32.
                var voice = ArditVoice.Load(models, device, name, Media.Modeling.Devices.DeviceSelector.ResolveDtype(torchOptions.Dtype, device));
                // As many utterances step together as the audio worker runs jobs at once (Media:Jobs:Concurrency:audio).
                voice.StartBatching(sp.GetRequiredService<IOptions<JobsOptions>>().Value.ConcurrencyOf("audio"));
                // The recognizer that aligned the voice's training data locates the words of an edit (loaded on the first one).
                return new ArditSpeechGenerator(voice, SpeechPromptEncoder.Load(models, device),
                    () => Media.Services.Audio.Speech.Recognizer.CtcRecognizer.Load(Path.Combine(models, ArditVoice.Aligner), device));
            });
        builder.Services.AddCodecGenerator();
        // The family's worker: pulls audio jobs and runs them on the generators registered for these slots.
        builder.Services.AddFamilyWorker("audio");
        return builder;
    }
}
