using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>Speech latents to audio (the mel VAE decoder followed by a vocoder), offline or as a stream.</summary>
public interface ILatentSpeechDecoder
{
    /// <summary>Width of one latent frame.</summary>
    int LatentDim { get; }

    /// <summary>Latent frames per second.</summary>
    double FrameRate { get; }

    /// <summary>Output sample rate.</summary>
    int SampleRate { get; }

    /// <summary>A stream that turns consecutive latent blocks into consecutive audio.</summary>
    ILatentDecodingSession OpenStream();
}

/// <summary>
/// Decodes latents block by block. The audio handed out so far never changes afterwards, and concatenating
/// every <see cref="Push"/> and the final <see cref="Finish"/> gives the whole utterance with no seams at the joins.
/// </summary>
public interface ILatentDecodingSession : IDisposable
{
    /// <summary>Takes the next latents [n, C] (data space) and returns the audio that is now final (possibly empty).</summary>
    float[] Push(Tensor latents);

    /// <summary>Returns the rest of the audio once no more latents will come.</summary>
    float[] Finish();
}
