using Media.Modeling.Layers;
using Media.Modeling.Devices;
using Media.Services.Audio.Speech.Latents;
using Media.Services.Audio.Speech.Vocoder;
using static TorchSharp.torch;

namespace Media.Services.Audio.Speech.Generation;

/// <summary>
/// The speech latent decoder of the project: the mel VAE's causal streaming decoder, then the streaming iSTFT
/// vocoder (overlap-add, so chunk joins are seamless). One utterance per session.
/// </summary>
public sealed class VaeVocoderDecoder(MelVae vae, IstftVocoder vocoder) : ILatentSpeechDecoder
{
    readonly MelVae vae = vae ?? throw new ArgumentNullException(nameof(vae));
    readonly IstftVocoder vocoder = vocoder ?? throw new ArgumentNullException(nameof(vocoder));

    /// <summary>Models folder name of the mel VAE.</summary>
    public const string VaeFolder = "tts-mel-vae";

    /// <summary>Loads models/tts-mel-vae and models/tts-vocoder from <paramref name="modelsDirectory"/>.</summary>
    public static VaeVocoderDecoder Load(string modelsDirectory, Device device)
    {
        var vae = MelVae.Load(Path.Combine(modelsDirectory, VaeFolder), device);
        var vocoder = IstftVocoder.Load(Path.Combine(modelsDirectory, "tts-vocoder"), device);
        vocoder.eval();
        return new VaeVocoderDecoder(vae, vocoder);
    }

    /// <inheritdoc/>
    public int LatentDim => vae.Config.LatentDim;

    /// <inheritdoc/>
    public double FrameRate => vae.Config.LatentRate;

    /// <inheritdoc/>
    public int SampleRate => vae.Config.Mel.SampleRate;

    /// <inheritdoc/>
    public ILatentDecodingSession OpenStream() => new Session(this);

    sealed class Session(VaeVocoderDecoder owner) : ILatentDecodingSession
    {
        readonly ConvolutionStreamState state = new(owner.vae.Decoder.StateSlots);
        readonly StreamingVocoder stream = new(owner.vocoder);

        public float[] Push(Tensor latents)
        {
            ArgumentNullException.ThrowIfNull(latents);
            using var scope = NewDisposeScope();
            using var inFlight = FinalizerGate.Enter();
            using var noGrad = no_grad();
            var device = owner.vae.parameters().First().device;
            var normalized = owner.vae.Decoder.Step(latents.to(device).transpose(0, 1).unsqueeze(0), state).squeeze(0);
            var mel = owner.vae.Config.Mel;
            return stream.Push(normalized * mel.NormScale + mel.NormMean).cpu().data<float>().ToArray();
        }

        public float[] Finish()
        {
            using var scope = NewDisposeScope();
            using var inFlight = FinalizerGate.Enter();
            using var noGrad = no_grad();
            return stream.Finish().cpu().data<float>().ToArray();
        }

        public void Dispose()
        {
            state.Dispose();
            stream.Dispose();
        }
    }
}
