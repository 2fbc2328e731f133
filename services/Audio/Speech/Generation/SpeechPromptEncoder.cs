using Media.Modeling.Devices;
using Media.Audio.IO;
using Media.Services.Audio.Speech.Latents;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// A zero-shot prompt clip to the data-space latents ARDiT continues from (<see cref="SpeechRequest.PromptLatents"/>):
/// the clip mixed to mono, resampled to the mel VAE's rate, its normalised log-mel, and the VAE encoder's posterior
/// mean (no sampling, so a clip always gives the same latents), as [P, C] with P = ceil(seconds x latent rate).
/// </summary>
public sealed class SpeechPromptEncoder : IDisposable
{
    readonly MelVae vae;
    readonly SpeechFeatures features;
    readonly bool ownsVae;

    /// <summary>An encoder over <paramref name="vae"/> (the same VAE whose latents the voice generates and decodes).</summary>
    public SpeechPromptEncoder(MelVae vae) : this(vae, ownsVae: false)
    {
    }

    SpeechPromptEncoder(MelVae vae, bool ownsVae)
    {
        this.vae = vae ?? throw new ArgumentNullException(nameof(vae));
        this.ownsVae = ownsVae;
        features = new SpeechFeatures(vae.Config.Mel);
    }

    /// <summary>The encoder of the mel VAE in <paramref name="modelsDirectory"/> that the voice's decoder also loads (<see cref="VaeVocoderDecoder.VaeFolder"/>).</summary>
    public static SpeechPromptEncoder Load(string modelsDirectory, Device device)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        return new SpeechPromptEncoder(MelVae.Load(Path.Combine(modelsDirectory, VaeVocoderDecoder.VaeFolder), device), ownsVae: true);
    }

    /// <summary>The rate clips are resampled to, Hz.</summary>
    public int SampleRate => vae.Config.Mel.SampleRate;

    /// <summary>Latent frames per second.</summary>
    public double FrameRate => vae.Config.LatentRate;

    /// <summary>Width of one latent frame.</summary>
    public int LatentDim => vae.Config.LatentDim;

    /// <summary>Latent frames of a clip of <paramref name="samples"/> samples at <see cref="SampleRate"/>: one per
    /// <see cref="MelVaeConfig.Downsampling"/> hops, the last one partly covering the clip's end.</summary>
    public int FrameCount(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        int samplesPerFrame = vae.Config.Mel.HopLength * MelVaeConfig.Downsampling;
        return (samples + samplesPerFrame - 1) / samplesPerFrame;
    }

    /// <summary>Reads the WAV file at <paramref name="path"/> and encodes it; a missing or unreadable file is a clear error.</summary>
    public Tensor Encode(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"The prompt clip '{path}' does not exist.", path);
        AudioBuffer audio;
        try
        {
            audio = WavFile.Read(path);
        }
        catch (AudioFormatException e)
        {
            throw new AudioFormatException($"The prompt clip is not a readable WAV file. {e.Message}", e);
        }
        return Encode(audio);
    }

    /// <summary>Encodes WAV file bytes (e.g. an upload); unreadable bytes are an <see cref="AudioFormatException"/>.</summary>
    public Tensor Encode(byte[] wav)
    {
        ArgumentNullException.ThrowIfNull(wav);
        return Encode(WavFile.Read(wav));
    }

    /// <summary>The posterior-mean latents [P, C] of <paramref name="audio"/> (any rate and channel count), on the VAE's device.</summary>
    public Tensor Encode(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var samples = audio.WithChannels(1).Resample(SampleRate).Channels[0];
        int frames = FrameCount(samples.Length);
        if (frames == 0) throw new ArgumentException("The prompt clip is empty.", nameof(audio));
        using var scope = NewDisposeScope();
        using var inFlight = FinalizerGate.Enter();
        using var noGrad = no_grad();
        var device = vae.parameters().First().device;
        var mel = features.Normalized(tensor(samples, device: device)).unsqueeze(0);
        var (mean, _) = vae.Posterior(vae.PadFrames(mel));
        // The centred mel has one frame more than whole hops; past ceil(samples / (4 hops)) a latent would only see padding.
        return mean.squeeze(0).narrow(1, 0, frames).transpose(0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Releases the feature front end, and the VAE when this encoder loaded it.</summary>
    public void Dispose()
    {
        features.Dispose();
        if (ownsVae) vae.Dispose();
    }
}
